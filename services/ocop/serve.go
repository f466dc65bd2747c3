package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/logging"
	"github.com/ocopvn/ocop/services/matching"
	"github.com/ocopvn/ocop/services/ocop/demo"
	"github.com/ocopvn/ocop/services/ocop/internal/seed"
	"github.com/ocopvn/ocop/services/ocop/internal/server"
)

// defaultMemoryLimit is the soft heap limit of ocop serve when GOMEMLIMIT is
// not set. A bulk import holds a few hundred megabytes live (requests, the
// analysis of an index write, JetStream buffers); without a limit the heap
// grows to twice that before a collection, and a 100,000-product import
// peaked at 684 MB RSS. The index's mapped files come on top of the heap:
// 150–180 MB for 100,000 products at the end of an import, while merged
// segments replace the ones they came from. At 450 MiB the two together
// peaked at 623 MB once; at 400 MiB, at 529–584 MB in twelve runs.
const defaultMemoryLimit = 400 << 20

// defaultGCPercent is GOGC for ocop serve when GOGC is not set. The soft
// limit above bounds the heap during an import. Between imports, on
// 100,000 products, about 80 MB is live, and each collection costs latency
// out of proportion to its CPU: while it marked (50–160 ms), its workers
// held 77% of both cores in a runtime trace with a dozen goroutines
// runnable, and a demand posted then reached its producer after 20–80 ms
// instead of 7. Letting the heap grow to five times what is live (near the
// soft limit) instead of three halves how often that happens: at 100
// demands a second, collections every 4–5 s instead of 2–2.5 s, and
// demand → notification p99 of 15.6–23.9 ms in five runs of the benchmark
// against 21.0–68.1 ms in seven at 200 (same machine and day, alternating).
// Peak RSS is unchanged: it is reached during an import, under the limit
// either way.
const defaultGCPercent = 400

func serveCommand() *cobra.Command {
	var (
		services   string
		addr       string
		dataDir    string
		natsListen string
		withDemo   bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run services: all in one process (default) or the ones named",
		Long: `Run the OCOP services.

With no NATS_URL, the process runs an embedded NATS JetStream server and the
embedded Bleve index under --data-dir: the all-in-one setup of a province with
one server. With --services=catalogue (or any list) and NATS_URL set, it runs
just those services against the shared NATS and PostgreSQL.`,
		Example: `  ocop serve --demo
  NATS_URL=nats://nats:4222 ocop serve --services=matching`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
				debug.SetMemoryLimit(defaultMemoryLimit)
			}
			if _, set := os.LookupEnv("GOGC"); !set {
				debug.SetGCPercent(defaultGCPercent)
			}
			p, err := config.FromEnv()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("addr") {
				p.Addr = addr
			}
			if cmd.Flags().Changed("data-dir") {
				p.DataDir = dataDir
			}
			names, err := server.ParseServices(services)
			if err != nil {
				return err
			}
			var r config.Reader
			syncAlways := r.Bool("OCOP_NATS_SYNC_ALWAYS", false)
			replicas := r.Int("OCOP_NATS_REPLICAS", 1)
			if err := r.Err(); err != nil {
				return err
			}
			mcfg, err := matching.ConfigFromEnv(p.DataDir)
			if err != nil {
				return err
			}
			log, err := logging.New(p.LogLevel, p.LogFormat)
			if err != nil {
				return err
			}
			defer func() { _ = log.Sync() }()

			opts := server.Options{
				Platform: p, Services: names, Matching: mcfg, NATSListen: natsListen,
				NATSSyncAlways: syncAlways, NATSReplicas: replicas, Log: log, Version: version,
			}
			ctx := cmd.Context()
			return server.Run(ctx, opts, func(r server.Running) {
				if withDemo {
					go seedDemo(ctx, r.URL, p, log)
				}
			})
		},
	}
	cmd.Flags().StringVar(&services, "services", "all", "services to run: all, or a comma-separated list of catalogue, demand, fairs, matching")
	cmd.Flags().StringVar(&addr, "addr", ":8080", "HTTP listen address (OCOP_ADDR)")
	cmd.Flags().StringVar(&dataDir, "data-dir", "./data", "directory of the embedded NATS store and search index (OCOP_DATA_DIR)")
	cmd.Flags().StringVar(&natsListen, "nats-listen", "", "open the embedded NATS server to other processes at host:port")
	cmd.Flags().BoolVar(&withDemo, "demo", false, "load the demo catalogue and print tokens and an example request")
	return cmd
}

// seedDemo loads the demo catalogue through the API and tells a newcomer
// what to try next.
func seedDemo(ctx context.Context, url string, p config.Platform, log *zap.Logger) {
	tokens := auth.NewTokens(p.JWTSecret, p.JWTAudience)
	admin, err := tokens.Issue(auth.Principal{Role: auth.RoleAdmin, Subject: "demo-seed"}, time.Hour)
	if err != nil {
		log.Error("minting the demo admin token", zap.Error(err))
		return
	}
	cat, err := seed.Parse(demo.Catalogue)
	if err != nil {
		log.Error("reading the demo catalogue", zap.Error(err))
		return
	}
	res, err := seed.Client{URL: url, Token: admin, Concurrency: 8}.Load(ctx, cat)
	if err != nil {
		log.Error("seeding the demo catalogue", zap.Error(err))
		return
	}
	buyer, _ := tokens.Issue(auth.Principal{Role: auth.RoleBuyer, OrgID: "buyer-demo"}, 30*24*time.Hour)
	producer, _ := tokens.Issue(auth.Principal{Role: auth.RoleProducer, OrgID: "prd-001"}, 30*24*time.Hour)
	fmt.Fprintf(os.Stdout, `
OCOP is running at %[1]s with the demo catalogue (%[2]d records loaded, %[3]d already there).

Buyer token (buyer-demo):
  export BUYER=%[4]s
Producer token (prd-001, HTX Nông sản Phượng Sơn):
  export PRODUCER=%[5]s

Post a demand as the buyer:
  curl -s -X POST %[1]s/v1/demands -H "Authorization: Bearer $BUYER" -H 'Content-Type: application/json' -d '{
    "buyer_kind": "supermarket", "title": "Vải thiều sấy khô cho chuỗi siêu thị",
    "text": "Cần vải thiều sấy khô Lục Ngạn, khoảng 1.500 kg/tháng, OCOP từ 4 sao, có HACCP, giao Hà Nội.",
    "group": "thuc_pham", "quantity": 1500, "unit": "kg", "max_price_vnd": 170000, "min_stars": 4,
    "required_certifications": ["HACCP"], "delivery_province": "Hà Nội", "needed_by": "2027-10-15"}'
Then read its ranked suppliers (use the id from the answer):
  curl -s %[1]s/v1/demands/<id>/matches -H "Authorization: Bearer $BUYER"
and the producer's notifications:
  curl -s %[1]s/v1/notifications -H "Authorization: Bearer $PRODUCER"
API description: %[1]s/v1/openapi.json
`, url, res.Created, res.Existing, buyer, producer)
}
