package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/rank"
	"github.com/ocopvn/ocop/services/matching/search/bleve"
	"github.com/ocopvn/ocop/services/ocop/demo"
	"github.com/ocopvn/ocop/services/ocop/internal/eval"
	"github.com/ocopvn/ocop/services/ocop/internal/seed"
)

// natsCommand runs a standalone NATS JetStream server: the NATS process of
// the fault-injection run, which kills and restarts it.
func natsCommand() *cobra.Command {
	var listen, store string
	cmd := &cobra.Command{
		Use:    "nats",
		Short:  "Run a standalone NATS JetStream server (for the fault-injection run)",
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srv, err := events.StartEmbedded(events.EmbeddedOptions{StoreDir: store, Listen: listen})
			if err != nil {
				return err
			}
			<-cmd.Context().Done()
			srv.Shutdown()
			srv.WaitForShutdown()
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:4222", "host:port")
	cmd.Flags().StringVar(&store, "store", "./data/nats", "JetStream store directory")
	return cmd
}

func chaosCommand() *cobra.Command {
	var (
		demands int
		kills   int
		rate    float64
	)
	cmd := &cobra.Command{
		Use:   "chaos",
		Short: "Fault-injection run: services as separate processes, SIGKILLed and NATS restarted while demands arrive",
		Long: `Start a NATS server process and the four services as separate processes on a
fresh database, load the demo catalogue, post demands while killing random
service processes with SIGKILL (each restarted a moment later) and restarting
NATS once; then check that every demand has the matches a fault-free ranking of
the same catalogue gives, and that every producer picked for a demand was told
exactly once. Ends with "chaos: <demands> demands, <kills> kills, <lost> lost,
<duplicates> duplicate" and fails on any difference.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := config.FromEnv()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runChaos(ctx, cmd.OutOrStdout(), p, demands, kills, rate)
		},
	}
	cmd.Flags().IntVar(&demands, "demands", 1000, "demands to post")
	cmd.Flags().IntVar(&kills, "kills", 3, "service processes to SIGKILL during the run")
	cmd.Flags().Float64Var(&rate, "rate", 20, "demands posted per second")
	return cmd
}

// proc is one process of the run.
type proc struct {
	name string
	args []string
	env  []string
	log  string
	mu   sync.Mutex
	cmd  *exec.Cmd
}

func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	c := exec.Command(exe, p.args...)
	c.Env, c.Stdout, c.Stderr = p.env, out, out
	if err := c.Start(); err != nil {
		return err
	}
	p.cmd = c
	go func() { _ = c.Wait(); _ = out.Close() }()
	return nil
}

func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(sig)
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s was not ready within %s", url, within)
}

func runChaos(ctx context.Context, out io.Writer, p config.Platform, demandCount, kills int, rate float64) error {
	say := func(format string, args ...any) { fmt.Fprintf(out, "chaos: "+format+"\n", args...) }
	dir, err := os.MkdirTemp("", "ocop-chaos-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbName := fmt.Sprintf("ocop_chaos_%d", os.Getpid())
	admin, err := pgx.Connect(ctx, p.DatabaseURL)
	if err != nil {
		return fmt.Errorf("PostgreSQL at DATABASE_URL: %w", err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbName}.Sanitize()); err != nil {
		return err
	}
	defer func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{dbName}.Sanitize()+" WITH (FORCE)")
	}()
	dbURL := withDatabase(p.DatabaseURL, dbName)

	natsAddr, err := freePort()
	if err != nil {
		return err
	}
	nats := &proc{name: "nats", args: []string{"nats", "--listen", natsAddr, "--store", filepath.Join(dir, "nats")},
		env: os.Environ(), log: filepath.Join(dir, "nats.log")}
	if err := nats.start(); err != nil {
		return err
	}
	defer nats.signal(syscall.SIGKILL)
	time.Sleep(500 * time.Millisecond)

	services := map[string]*proc{}
	urls := map[string]string{}
	for _, name := range []string{"catalogue", "demand", "fairs", "matching"} {
		addr, err := freePort()
		if err != nil {
			return err
		}
		env := append(os.Environ(), "DATABASE_URL="+dbURL, "NATS_URL=nats://"+natsAddr, "OCOP_ADDR="+addr,
			"OCOP_DATA_DIR="+filepath.Join(dir, name), "OCOP_WRITE_RATE=0", "OCOP_JWT_SECRET="+p.JWTSecret, "OCOP_LOG_FORMAT=json")
		pr := &proc{name: name, args: []string{"serve", "--services=" + name}, env: env, log: filepath.Join(dir, name+".log")}
		if err := pr.start(); err != nil {
			return err
		}
		defer pr.signal(syscall.SIGKILL)
		services[name], urls[name] = pr, "http://"+addr
	}
	for name, url := range urls {
		if err := waitReady(ctx, url, 90*time.Second); err != nil {
			return fmt.Errorf("%s: %w (log: %s)", name, err, services[name].log)
		}
	}
	say("started NATS and %d services as separate processes on database %s", len(services), dbName)

	tokens := auth.NewTokens(p.JWTSecret, p.JWTAudience)
	seeder, _ := tokens.Issue(auth.Principal{Role: auth.RoleAdmin, Subject: "ocop-chaos"}, 6*time.Hour)
	cat, err := seed.Parse(demo.Catalogue)
	if err != nil {
		return err
	}
	if _, err := (seed.Client{URL: urls["catalogue"], Token: seeder, Concurrency: 4}).Load(ctx, cat); err != nil {
		return err
	}
	ref, err := bleve.OpenTemporary()
	if err != nil {
		return err
	}
	defer ref.Close()
	nProducts, err := eval.LoadCatalogue(ctx, ref, demo.Catalogue)
	if err != nil {
		return err
	}
	var last struct{ Name string }
	if err := json.Unmarshal(cat.Products[len(cat.Products)-1], &last); err != nil {
		return err
	}
	if err := waitSearchable(ctx, urls["matching"], last.Name); err != nil {
		return err
	}
	say("loaded %d producers and %d products; the matching index holds them", len(cat.Producers), nProducts)

	ds, err := chaosDemands(demandCount)
	if err != nil {
		return err
	}
	killed := 0
	chaosDone := make(chan struct{})
	go func() {
		defer close(chaosDone)
		span := time.Duration(float64(len(ds)) / rate * float64(time.Second))
		step := span / time.Duration(kills+2)
		names := []string{"catalogue", "demand", "fairs", "matching"}
		for i := 0; i < kills; i++ {
			select {
			case <-ctx.Done():
				return
			case <-time.After(step):
			}
			name := names[rand.IntN(len(names))]
			if i == 0 {
				name = "matching" // the service whose death matters most
			}
			services[name].signal(syscall.SIGKILL)
			killed++
			say("SIGKILL %s", name)
			time.Sleep(time.Second)
			if err := services[name].start(); err != nil {
				say("restarting %s failed: %v", name, err)
			}
			if i == kills/2 {
				nats.signal(syscall.SIGKILL)
				say("SIGKILL NATS")
				time.Sleep(time.Second)
				if err := nats.start(); err != nil {
					say("restarting NATS failed: %v", err)
				}
			}
		}
	}()

	buyer, _ := tokens.Issue(auth.Principal{Role: auth.RoleBuyer, OrgID: "buyer-chaos", Subject: "ocop-chaos"}, 6*time.Hour)
	client := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	for i, d := range ds {
		if wait := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); wait > 0 {
			time.Sleep(wait)
		}
		if err := postUntilStored(ctx, client, urls["demand"], buyer, d); err != nil {
			return err
		}
	}
	<-chaosDone
	say("posted %d demands at %.0f/s with %d SIGKILLs and one NATS restart", len(ds), rate, killed)
	for name, url := range urls {
		if err := waitReady(ctx, url, 90*time.Second); err != nil {
			return fmt.Errorf("%s after the run: %w", name, err)
		}
	}
	return verifyChaos(ctx, out, dbURL, ref, ds, killed)
}

func withDatabase(url, db string) string {
	i := strings.LastIndex(url, "/")
	rest := ""
	if q := strings.Index(url[i:], "?"); q >= 0 {
		rest = url[i+q:]
	}
	return url[:i+1] + db + rest
}

// waitSearchable waits until the last product loaded is found: the index
// applies the catalogue in order, so every product is in.
func waitSearchable(ctx context.Context, url, lastName string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		res, err := http.Get(url + "/v1/search/products?limit=5&q=" + neturl.QueryEscape(lastName))
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains(string(body), lastName) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	return fmt.Errorf("the matching index did not hold the catalogue within 2 minutes")
}

// chaosDemand is a demand posted in the run and how ranking sees it.
type chaosDemand struct {
	body map[string]any
	rank rank.Demand
}

// chaosDemands cycles the judged dev demands, without their dates (some
// are past by now), each with its own id.
func chaosDemands(n int) ([]chaosDemand, error) {
	var file struct {
		Demands []map[string]any `json:"demands"`
	}
	if err := json.Unmarshal(demo.Demands, &file); err != nil {
		return nil, err
	}
	out := make([]chaosDemand, 0, n)
	for i := range n {
		src := file.Demands[i%len(file.Demands)]
		body := map[string]any{}
		for k, v := range src {
			body[k] = v
		}
		body["id"] = fmt.Sprintf("d-chaos-%05d", i)
		delete(body, "needed_by")
		raw, _ := json.Marshal(body)
		var d struct {
			Title, Text, Unit, Group string
			Quantity                 float64
			MaxPriceVND              *int64   `json:"max_price_vnd"`
			MinStars                 *int     `json:"min_stars"`
			Certs                    []string `json:"required_certifications"`
			Province                 string   `json:"delivery_province"`
			Lat                      float64  `json:"delivery_lat"`
			Lon                      float64  `json:"delivery_lon"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, err
		}
		r := rank.Demand{ID: body["id"].(string), Title: d.Title, Text: d.Text, Group: d.Group, Quantity: d.Quantity, Unit: d.Unit,
			MaxPriceVND: d.MaxPriceVND, RequiredCertifications: d.Certs, DeliveryProvince: d.Province, DeliveryLat: d.Lat, DeliveryLon: d.Lon}
		if d.MinStars != nil {
			r.MinStars = *d.MinStars
		}
		out = append(out, chaosDemand{body: body, rank: r})
	}
	return out, nil
}

// postUntilStored posts a demand until the service has it: a refused
// connection or a 5xx while a process restarts is retried; 409 means an
// earlier attempt got through.
func postUntilStored(ctx context.Context, client *http.Client, url, token string, d chaosDemand) error {
	raw, _ := json.Marshal(d.body)
	for attempt := 0; attempt < 600; attempt++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/demands", strings.NewReader(string(raw)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			switch {
			case res.StatusCode == http.StatusCreated || res.StatusCode == http.StatusConflict:
				return nil
			case res.StatusCode < 500:
				return fmt.Errorf("demand %s refused: %d %s", d.rank.ID, res.StatusCode, body)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("demand %s could not be posted for two minutes", d.rank.ID)
}

// verifyChaos compares what the services stored with a fault-free ranking
// of the same catalogue.
func verifyChaos(ctx context.Context, out io.Writer, dbURL string, ref *bleve.Index, ds []chaosDemand, kills int) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	matcher := rank.Matcher{Index: ref, Ranker: rank.Ranker{Weights: rank.DefaultWeights}}
	today := ocop.Today(time.Now())
	deadline := time.Now().Add(3 * time.Minute)
	var lost, mismatched, duplicates int
	for _, d := range ds {
		var stored []string
		for {
			rows, err := conn.Query(ctx, `SELECT m->>'product_id' FROM matching.matches, jsonb_array_elements(ranked) AS m
				WHERE demand_id = $1 ORDER BY (m->>'rank')::int`, d.rank.ID)
			if err != nil {
				return err
			}
			stored, err = pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			var matched bool
			_ = conn.QueryRow(ctx, `SELECT matched_at IS NOT NULL FROM matching.demands WHERE id = $1`, d.rank.ID).Scan(&matched)
			if matched || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		want, err := matcher.Match(ctx, d.rank, today)
		if err != nil {
			return err
		}
		wantIDs := make([]string, 0, 20)
		for _, m := range want[:min(len(want), 20)] {
			wantIDs = append(wantIDs, m.ProductID)
		}
		if !slices.Equal(stored, wantIDs) {
			mismatched++
		}
		var told int
		if err := conn.QueryRow(ctx, `SELECT count(DISTINCT recipient_id) FROM matching.notifications
			WHERE kind = 'match' AND demand_id = $1`, d.rank.ID).Scan(&told); err != nil {
			return err
		}
		if wantTold := len(rank.Pick(want, 10, nil)); told < wantTold {
			lost += wantTold - told
		}
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM matching.notifications WHERE kind = 'match'
		GROUP BY recipient_id, demand_id, product_id HAVING count(*) > 1) d`).Scan(&duplicates); err != nil {
		return err
	}
	fmt.Fprintf(out, "chaos: verified %d demands: %d with matches different from a fault-free ranking\n", len(ds), mismatched)
	fmt.Fprintf(out, "chaos: %d demands, %d kills, %d lost, %d duplicate\n", len(ds), kills, lost, duplicates)
	if lost > 0 || duplicates > 0 || mismatched > 0 {
		return errors.New("the run lost, duplicated or changed what faults must not")
	}
	return nil
}
