package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/services/ocop/internal/bench"
)

func benchCommand() *cobra.Command {
	var (
		o      bench.Options
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load a running server and measure it: catalogue import, search, demand → notification, memory",
		Long: `Generate a catalogue of --products products from the demo catalogue's kinds and
import it through POST /v1/imports, timing until the last is searchable and
until every service has taken in its events (NATS_URL); then search at a fixed rate (open loop: latency from each request's intended send
time), find the highest rate with p99 under 50 ms, and post demands at 50, 100
and 200 a second, timing each until its notification arrives on the matched
producer's live stream. The same work is measured on the bare engines beside
it: a Bleve index of the same products in this process, a pgx insert and
commit (DATABASE_URL), a JetStream publish (NATS_URL), and printed as ratios to
ours. Tokens are signed with OCOP_JWT_SECRET, as for ocop token. Use a fresh
server: the catalogue is added to whatever it holds.`,
		Example: `  ocop bench --url http://127.0.0.1:8080 --products 100000 --duration 10s --json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := config.FromEnv()
			if err != nil {
				return err
			}
			o.Tokens = auth.NewTokens(p.JWTSecret, p.JWTAudience)
			o.DatabaseURL, o.NATSURL = p.DatabaseURL, p.NATSURL
			o.Log = cmd.ErrOrStderr()
			rep, err := bench.Measure(cmd.Context(), o)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "products %d: imported in %.1f s, searchable in %.1f s (%.0f products/s), taken in by every service in %.1f s, index merged in %.1f s\n",
				rep.Products, rep.ImportedSeconds, rep.SearchableSeconds, rep.ProductsPerSecond, rep.SettledSeconds, rep.MergedSeconds)
			fmt.Fprintf(out, "bare Bleve indexed them in %.1f s (searchable after %.1f times that)\n", rep.BareIndexedSeconds, rep.ImportVsBare)
			fmt.Fprintf(out, "search at %.0f/s: p50 %.2f ms, p99 %.2f ms; highest rate with p99 < 50 ms: %.0f/s\n",
				rep.SearchRate, rep.SearchP50, rep.SearchP99, rep.SearchMaxQPS)
			fmt.Fprintf(out, "search throughput %.0f/s, bare Bleve %.0f/s (ratio %.2f)\n", rep.SearchQPS, rep.BareSearchQPS, rep.SearchVsBare)
			for _, r := range rep.MatchRuns {
				fmt.Fprintf(out, "demand → notification at %.0f/s: p50 %.2f ms, p99 %.2f ms (%d notified, %d errors)\n", r.Rate, r.P50, r.P99, r.Done, r.Errors)
			}
			if rep.MatchVsBare > 0 {
				fmt.Fprintf(out, "bare pgx commit p50 %.2f ms, bare JetStream publish p50 %.2f ms (demand → notification p50 at %.0f/s: %.1f times both)\n",
					rep.BareCommitP50, rep.BarePublishP50, rep.MatchRate, rep.MatchVsBare)
			}
			if o.PID > 0 {
				fmt.Fprintf(out, "ocop serve memory: %.0f MB now, %.0f MB peak\n", rep.RSSNowMB, rep.RSSMB)
			}
			if asJSON {
				return json.NewEncoder(out).Encode(rep)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.URL, "url", "http://127.0.0.1:8080", "the server to measure")
	cmd.Flags().IntVar(&o.Products, "products", 10000, "catalogue size")
	cmd.Flags().Float64Var(&o.Rate, "rate", 100, "demands per second of the reported match run (50, 100 and 200 are always run)")
	cmd.Flags().Float64Var(&o.SearchRate, "search-rate", 200, "queries per second of the search latency run")
	cmd.Flags().DurationVar(&o.Duration, "duration", 10*time.Second, "length of each timed run")
	cmd.Flags().IntVar(&o.PID, "pid", 0, "process id of ocop serve, for its memory")
	cmd.Flags().BoolVar(&asJSON, "json", false, "end with one JSON object holding every figure")
	return cmd
}
