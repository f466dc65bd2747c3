package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/services/catalogue/sheet"
	"github.com/ocopvn/ocop/services/matching"
	"github.com/ocopvn/ocop/services/matching/search"
	"github.com/ocopvn/ocop/services/matching/search/bleve"
	"github.com/ocopvn/ocop/services/matching/search/meili"
	"github.com/ocopvn/ocop/services/ocop/demo"
	"github.com/ocopvn/ocop/services/ocop/internal/eval"
	"github.com/ocopvn/ocop/services/ocop/internal/seed"
)

func tokenCommand() *cobra.Command {
	var (
		role string
		org  string
		ttl  time.Duration
	)
	cmd := &cobra.Command{
		Use:     "token",
		Short:   "Print a development bearer token signed with OCOP_JWT_SECRET",
		Example: "  ocop token --role buyer --org buyer-demo\n  ocop token --role admin",
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := config.FromEnv()
			if err != nil {
				return err
			}
			r, err := auth.ParseRole(role)
			if err != nil {
				return err
			}
			if r.NeedsOrg() && org == "" {
				return fmt.Errorf("a %s token acts for an organisation: add --org <id>", r)
			}
			tok, err := auth.NewTokens(p.JWTSecret, p.JWTAudience).Issue(auth.Principal{Role: r, OrgID: org}, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "producer, buyer, organiser, official or admin")
	cmd.Flags().StringVar(&org, "org", "", "the producer, buyer or organiser id the token acts for")
	cmd.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is valid")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func seedCommand() *cobra.Command {
	var (
		url         string
		concurrency int
	)
	cmd := &cobra.Command{
		Use:   "seed [FILE]",
		Short: "Load a catalogue file through the API of a running server (default: the demo catalogue)",
		Long: `Load producers and products from a file laid out like ocop-catalogue.json
({"producers": [...], "products": [...]}) through the public API, so each one is
validated and its events flow to matching. Records that exist are left as they are.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.FromEnv()
			if err != nil {
				return err
			}
			data := demo.Catalogue
			if len(args) == 1 {
				if data, err = os.ReadFile(args[0]); err != nil {
					return err
				}
			}
			cat, err := seed.Parse(data)
			if err != nil {
				return err
			}
			admin, err := auth.NewTokens(p.JWTSecret, p.JWTAudience).Issue(auth.Principal{Role: auth.RoleAdmin, Subject: "ocop-seed"}, time.Hour)
			if err != nil {
				return err
			}
			bar := progressbar.NewOptions(len(cat.Producers)+len(cat.Products),
				progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionSetDescription("seeding"),
				progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			res, err := seed.Client{URL: url, Token: admin, Concurrency: concurrency,
				Progress: func(done, _ int) { _ = bar.Set(done) }}.Load(cmd.Context(), cat)
			_ = bar.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "seeded %s: %d created, %d already there\n", url, res.Created, res.Existing)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "http://localhost:8080", "the server to load into")
	cmd.Flags().IntVar(&concurrency, "concurrency", 8, "requests in flight")
	return cmd
}

func importCommand() *cobra.Command {
	var (
		url    string
		dryRun bool
		batch  int
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import producers and products from a provincial OCOP office's CSV or XLSX file",
		Long: `Import a spreadsheet in the catalogue template (see the README) into a running
server: producers are matched by registration code, products by producer and name;
a row with mistakes is reported (row, column, value, in Vietnamese and English) and
skipped while the good rows go in. Importing the same file again changes nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.FromEnv()
			if err != nil {
				return err
			}
			format, ok := sheet.FormatOf(args[0])
			if !ok {
				return fmt.Errorf("%s: use a .csv or .xlsx file", args[0])
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			table, err := sheet.Read(f, format)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			token, err := auth.NewTokens(p.JWTSecret, p.JWTAudience).Issue(auth.Principal{Role: auth.RoleOfficial, Subject: "ocop-import"}, time.Hour)
			if err != nil {
				return err
			}
			bar := progressbar.NewOptions(len(table.Rows), progressbar.OptionSetWriter(cmd.ErrOrStderr()),
				progressbar.OptionSetDescription("importing"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			rep, err := seed.Client{URL: url, Token: token, Progress: func(done, _ int) { _ = bar.Set(done) }}.
				ImportRows(cmd.Context(), table, batch, dryRun)
			_ = bar.Finish()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			verb := "imported"
			if dryRun {
				verb = "checked (dry run, nothing written)"
			}
			fmt.Fprintf(out, "%s: %d rows %s\n", args[0], rep.Rows, verb)
			for _, k := range []string{"created", "updated", "unchanged", "failed"} {
				fmt.Fprintf(out, "  %-9s producers %5d   products %5d\n", k, rep.Counts["producers_"+k], rep.Counts["products_"+k])
			}
			for _, is := range rep.Issues {
				fmt.Fprintf(out, "row %d, %s %q: %s / %s\n", is.Row, is.Column, is.Value, is.Vietnamese, is.English)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "http://localhost:8080", "the server to import into")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and report, writing nothing")
	cmd.Flags().IntVar(&batch, "batch", 500, "rows per request")
	return cmd
}

func evalCommand() *cobra.Command {
	var (
		cataloguePath string
		demandsPath   string
		engine        string
		asJSON        bool
	)
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Measure ranking quality on a judged data set (nDCG@10, P@5, R@20, MRR)",
		Long: `Load the catalogue into a fresh index, rank every demand with the matching
service's own code on the data set's as_of day, and print nDCG@10, precision@5,
recall@20 and MRR (graded judgments; unjudged products count as 0; grade ≥ 2 is
relevant for P, R and MRR) next to a baseline of the engine's plain text score
with no filters and no re-ranking.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			catalogue, demands := demo.Catalogue, demo.Demands
			var err error
			if cataloguePath != "" {
				if catalogue, err = os.ReadFile(cataloguePath); err != nil {
					return err
				}
			}
			if demandsPath != "" {
				if demands, err = os.ReadFile(demandsPath); err != nil {
					return err
				}
			}
			index, err := evalIndex(cmd.Context(), engine)
			if err != nil {
				return err
			}
			defer index.Close()
			n, err := eval.LoadCatalogue(cmd.Context(), index, catalogue)
			if err != nil {
				return err
			}
			rep, err := eval.Run(cmd.Context(), index, n, demands)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%d demands over %d products, ratings judged on %s, engine %s\n\n", rep.Demands, rep.Products, rep.AsOf, engine)
			fmt.Fprintf(out, "%-22s %8s %8s %8s %8s\n", "", "nDCG@10", "P@5", "R@20", "MRR")
			fmt.Fprintf(out, "%-22s %8.3f %8.3f %8.3f %8.3f\n", "ranking", rep.NDCG10, rep.P5, rep.R20, rep.MRR)
			fmt.Fprintf(out, "%-22s %8.3f %8.3f %8.3f %8.3f\n", "baseline (text only)", rep.Baseline.NDCG10, rep.Baseline.P5, rep.Baseline.R20, rep.Baseline.MRR)
			fmt.Fprintf(out, "\nhardest third nDCG@10: %.3f (baseline %.3f)\n", rep.Hardest, rep.HardestBaseline)
			fmt.Fprintf(out, "top-10 products breaking a hard constraint: %d (baseline %d)\n", rep.Violations, rep.BaselineViolations)
			if asJSON {
				enc := json.NewEncoder(out)
				return enc.Encode(rep)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&cataloguePath, "catalogue", "", "catalogue file (default: the demo catalogue)")
	cmd.Flags().StringVar(&demandsPath, "demands", "", "judged demands file (default: the demo demands-dev.json)")
	cmd.Flags().StringVar(&engine, "engine", "bleve", "search engine to evaluate: bleve, or meilisearch (at MEILI_URL)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "end with one JSON object holding the metrics and the rankings")
	return cmd
}

// evalIndex opens a fresh, throwaway index of the engine; closing it removes it.
func evalIndex(ctx context.Context, engine string) (search.Index, error) {
	switch engine {
	case "bleve":
		return bleve.OpenTemporary()
	case "meilisearch":
		cfg, err := matching.ConfigFromEnv(os.TempDir())
		if err != nil {
			return nil, err
		}
		if cfg.Meili.URL == "" {
			return nil, errors.New("--engine meilisearch needs MEILI_URL, the Meilisearch server to evaluate on")
		}
		cfg.Meili.Index = fmt.Sprintf("ocop_eval_%d", time.Now().UnixNano())
		index, err := meili.Open(ctx, cfg.Meili)
		if err != nil {
			return nil, err
		}
		return droppedOnClose{index}, nil
	default:
		return nil, fmt.Errorf("--engine %q: use bleve or meilisearch", engine)
	}
}

// droppedOnClose deletes an evaluation's Meilisearch index when closed.
type droppedOnClose struct{ *meili.Index }

func (d droppedOnClose) Close() error { return d.Drop(context.Background()) }

func probeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "probe URL",
		Short: "Exit 0 when URL answers 200 (a container health check with no curl in the image)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client := &http.Client{Timeout: 3 * time.Second}
			resp, err := client.Get(args[0])
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
				return fmt.Errorf("%s answered %d: %s", args[0], resp.StatusCode, body)
			}
			return nil
		},
	}
}
