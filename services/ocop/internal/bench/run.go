package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/search"
	"github.com/ocopvn/ocop/services/matching/search/bleve"
	"github.com/ocopvn/ocop/services/ocop/internal/seed"
)

// Options say what to measure and against what.
type Options struct {
	URL      string        // the server
	Tokens   *auth.Tokens  // signs the tokens requests carry
	Products int           // catalogue size
	Rate     float64       // demands per second of the main match run
	Duration time.Duration // of each timed run
	// SearchRate is the query rate of the search latency run.
	SearchRate float64
	// PID of the server, for its peak memory; 0 skips it.
	PID int
	// DatabaseURL and NATSURL, when set, are measured bare for comparison.
	DatabaseURL string
	NATSURL     string
	Log         io.Writer
}

// Report holds every figure; the JSON names are the ones tools read.
type Report struct {
	Products          int     `json:"products"`
	ImportedSeconds   float64 `json:"imported_seconds"`
	SearchableSeconds float64 `json:"searchable_seconds"`
	ProductsPerSecond float64 `json:"products_per_second"`
	SettledSeconds    float64 `json:"settled_seconds"`
	MergedSeconds     float64 `json:"index_merged_seconds"`
	SearchRate        float64 `json:"search_rate"`
	SearchP50         float64 `json:"search_p50_ms"`
	SearchP99         float64 `json:"search_p99_ms"`
	SearchErrors      int     `json:"search_errors"`
	SearchMaxQPS      float64 `json:"search_max_qps"`
	SearchQPS         float64 `json:"search_qps"`
	// BareIndexedSeconds is how long Bleve took, in this process, to index
	// the same products; ImportVsBare is SearchableSeconds over it.
	BareIndexedSeconds float64 `json:"bare_indexed_seconds"`
	ImportVsBare       float64 `json:"import_vs_bare"`
	BareSearchQPS      float64 `json:"bare_search_qps"`
	BareSearchP50      float64 `json:"bare_search_p50_ms"`
	SearchVsBare       float64 `json:"search_vs_bare"`
	MatchRate          float64 `json:"match_rate"`
	MatchP50           float64 `json:"match_p50_ms"`
	MatchP99           float64 `json:"match_p99_ms"`
	MatchRuns          []Run   `json:"match_runs"`
	BareCommitP50      float64 `json:"bare_commit_p50_ms"`
	BarePublishP50     float64 `json:"bare_publish_p50_ms"`
	// MatchVsBare is how many times a bare commit and publish together the
	// demand → notification p50 at MatchRate takes: the least a demand's
	// path does is commit the demand and publish its event.
	MatchVsBare float64 `json:"match_vs_bare"`
	// RSSMB is the server's peak resident memory (VmHWM), the figure the
	// memory target is about; RSSNowMB is its resident memory at the end.
	RSSMB    float64 `json:"rss_mb"`
	RSSNowMB float64 `json:"rss_now_mb"`
}

// Run is one open-loop run at a rate.
type Run struct {
	Rate   float64 `json:"rate"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	Done   int     `json:"done"`
	Errors int     `json:"errors"`
}

// searchablePoll is how often the load looks whether the imported catalogue
// is searchable: the measured time is up to this much late.
const searchablePoll = 250 * time.Millisecond

// searchTarget is the p99 under which a search rate counts as sustained.
const searchTarget = 50 * time.Millisecond

type runner struct {
	o      Options
	client *http.Client
}

func (r *runner) logf(format string, args ...any) {
	if r.o.Log != nil {
		fmt.Fprintf(r.o.Log, format+"\n", args...)
	}
}

func (r *runner) token(role auth.Role, org string) (string, error) {
	return r.o.Tokens.Issue(auth.Principal{Role: role, OrgID: org, Subject: "ocop-bench"}, 6*time.Hour)
}

func (r *runner) do(ctx context.Context, method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.o.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := r.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// Measure runs every measurement and returns the report.
func Measure(ctx context.Context, o Options) (Report, error) {
	r := &runner{o: o, client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}}}
	rep := Report{Products: o.Products}
	cat, err := Generate(o.Products, 42)
	if err != nil {
		return rep, err
	}
	if err := r.load(ctx, cat, &rep); err != nil {
		return rep, err
	}
	if err := r.search(ctx, cat, &rep); err != nil {
		return rep, err
	}
	if err := r.bareSearch(ctx, cat, &rep); err != nil {
		return rep, err
	}
	if err := r.match(ctx, &rep); err != nil {
		return rep, err
	}
	if err := r.bareWrites(ctx, &rep); err != nil {
		return rep, err
	}
	if o.PID > 0 {
		rep.RSSNowMB, rep.RSSMB = rss(o.PID)
	}
	return rep, nil
}

// load imports the catalogue and waits until its last product is searchable.
func (r *runner) load(ctx context.Context, cat Catalogue, rep *Report) error {
	official, err := r.token(auth.RoleOfficial, "")
	if err != nil {
		return err
	}
	r.logf("importing %d products through POST /v1/imports", len(cat.Table.Rows))
	start := time.Now()
	imp, err := seed.Client{URL: r.o.URL, Token: official}.ImportRows(ctx, cat.Table, 1000, false)
	if err != nil {
		return err
	}
	if f := imp.Counts["products_failed"]; f > 0 {
		return fmt.Errorf("%d generated products were refused: %v", f, imp.Issues[:min(3, len(imp.Issues))])
	}
	rep.ImportedSeconds = time.Since(start).Seconds()
	r.logf("imported after %.1f s; waiting for the index", rep.ImportedSeconds)
	last := cat.Table.Rows[len(cat.Table.Rows)-1].Cells["product_name"]
	searchable := func() bool {
		status, body, err := r.do(ctx, http.MethodGet, "/v1/search/products?limit=1&q="+url.QueryEscape(last), "", nil)
		return err == nil && status == http.StatusOK && bytes.Contains(body, []byte(strconv.Quote(last)))
	}
	if err := until(ctx, start, searchable, func() error {
		return errors.New("the catalogue was not searchable within 30 minutes")
	}); err != nil {
		return err
	}
	rep.SearchableSeconds = time.Since(start).Seconds()
	rep.ProductsPerSecond = float64(len(cat.Table.Rows)) / rep.SearchableSeconds
	r.logf("searchable after %.1f s (%.0f products/s)", rep.SearchableSeconds, rep.ProductsPerSecond)
	return r.settle(ctx, start, rep)
}

// settle waits until every durable consumer has handled every event. After
// the index, an import's events still go on to the fairs' and matching's own
// records of the products; searches and demands measured meanwhile would
// share the cores with that, and measure the import as much as themselves.
func (r *runner) settle(ctx context.Context, start time.Time, rep *Report) error {
	if r.o.NATSURL == "" {
		r.logf("NATS_URL is not set: measuring without waiting for every service to take in the import")
		return nil
	}
	nc, err := nats.Connect(r.o.NATSURL)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.Context(ctx))
	if err != nil {
		return err
	}
	var behind uint64
	handled := func() bool {
		behind = 0
		for stream := range js.StreamNames(nats.Context(ctx)) {
			for c := range js.Consumers(stream, nats.Context(ctx)) {
				behind += c.NumPending + uint64(c.NumAckPending)
			}
		}
		return behind == 0
	}
	if err := until(ctx, start, handled, func() error {
		return fmt.Errorf("%d events were still unhandled 30 minutes after the import began", behind)
	}); err != nil {
		return err
	}
	rep.SettledSeconds = time.Since(start).Seconds()
	r.logf("every service had taken in the import after %.1f s", rep.SettledSeconds)
	return r.merged(ctx, start, rep)
}

// merged waits until the search index is no longer merged after the
// import (ocop_index_merging): searches measured meanwhile would measure
// the merge as much as themselves. An engine that does not merge so, or a
// server whose metrics are not served, is not waited for.
func (r *runner) merged(ctx context.Context, start time.Time, rep *Report) error {
	merged := func() bool {
		status, body, err := r.do(ctx, http.MethodGet, "/metrics", "", nil)
		return err != nil || status != http.StatusOK || !bytes.Contains(body, []byte("\nocop_index_merging 1"))
	}
	if err := until(ctx, start, merged, func() error {
		return errors.New("the search index was still being merged 30 minutes after the import began")
	}); err != nil {
		return err
	}
	rep.MergedSeconds = time.Since(start).Seconds()
	r.logf("the search index had been merged after %.1f s", rep.MergedSeconds)
	return nil
}

// until looks every searchablePoll whether done, for up to 30 minutes after
// start; late says what was still not done then. Each look may be a request
// the server answers while it works: looking often would slow down what is
// measured.
func until(ctx context.Context, start time.Time, done func() bool, late func() error) error {
	for !done() {
		if time.Since(start) > 30*time.Minute {
			return late()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(searchablePoll):
		}
	}
	return nil
}

func (r *runner) searchOnce(ctx context.Context, q string) error {
	status, _, err := r.do(ctx, http.MethodGet, "/v1/search/products?limit=20&q="+url.QueryEscape(q), "", nil)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("search answered %d", status)
	}
	return err
}

// search measures latency at the set rate, the highest rate sustained with
// p99 under 50 ms, and closed-loop throughput.
func (r *runner) search(ctx context.Context, cat Catalogue, rep *Report) error {
	query := func(ctx context.Context, i int) error { return r.searchOnce(ctx, cat.Queries[i%len(cat.Queries)]) }
	scheduled := func(ctx context.Context, i int, _ time.Time) error { return query(ctx, i) }
	lat, errs := OpenLoop(ctx, r.o.SearchRate, r.o.Duration, scheduled)
	rep.SearchRate, rep.SearchP50, rep.SearchP99, rep.SearchErrors = r.o.SearchRate, ms(lat.Percentile(50)), ms(lat.Percentile(99)), errs
	r.logf("search at %.0f/s: p50 %.2f ms, p99 %.2f ms, %d errors", r.o.SearchRate, rep.SearchP50, rep.SearchP99, errs)
	step := max(2*time.Second, r.o.Duration/3)
	for rate := 100.0; rate <= 6400; rate *= 2 {
		lat, errs := OpenLoop(ctx, rate, step, scheduled)
		p99 := lat.Percentile(99)
		r.logf("  search at %.0f/s: p99 %.2f ms, %d errors", rate, ms(p99), errs)
		if p99 > searchTarget || errs > 0 {
			break
		}
		rep.SearchMaxQPS = rate
	}
	rep.SearchQPS = ClosedLoop(ctx, 8, step, query)
	r.logf("search closed loop: %.0f queries/s", rep.SearchQPS)
	return nil
}

// bareSearch builds a Bleve index of the same products in this process and
// queries it directly, with the same queries.
func (r *runner) bareSearch(ctx context.Context, cat Catalogue, rep *Report) error {
	idx, err := bleve.OpenTemporary()
	if err != nil {
		return err
	}
	defer idx.Close()
	start := time.Now()
	var changes []search.Change
	for i, row := range cat.Table.Rows {
		d := document(i, row.Cells)
		changes = append(changes, search.Change{Upsert: &d})
		if len(changes) == 1000 || i == len(cat.Table.Rows)-1 {
			if err := idx.Apply(ctx, changes, uint64(i+1)); err != nil {
				return err
			}
			changes = changes[:0]
		}
	}
	rep.BareIndexedSeconds = time.Since(start).Seconds()
	rep.ImportVsBare = rep.SearchableSeconds / rep.BareIndexedSeconds
	r.logf("bare Bleve indexed the same products in %.1f s; our import until searchable takes %.1f times that", rep.BareIndexedSeconds, rep.ImportVsBare)
	// Measured as the server's index is: merged after the bulk write.
	if err := until(ctx, time.Now(), func() bool { return !idx.Merging() }, func() error {
		return errors.New("the bare Bleve index was still being merged after 30 minutes")
	}); err != nil {
		return err
	}
	today := ocop.Today(time.Now())
	q := func(ctx context.Context, i int) error {
		_, err := idx.Search(ctx, search.Query{Text: cat.Queries[i%len(cat.Queries)], ValidOn: today, Limit: 20})
		return err
	}
	step := max(2*time.Second, r.o.Duration/3)
	rep.BareSearchQPS = ClosedLoop(ctx, 2, step, q)
	var lat Latencies
	for i := range 500 {
		start := time.Now()
		if err := q(ctx, i); err != nil {
			return err
		}
		lat = append(lat, time.Since(start))
	}
	rep.BareSearchP50 = ms(lat.Percentile(50))
	if rep.BareSearchQPS > 0 {
		rep.SearchVsBare = rep.SearchQPS / rep.BareSearchQPS
	}
	r.logf("bare Bleve: %.0f queries/s, p50 %.2f ms; our search path does %.2f of that", rep.BareSearchQPS, rep.BareSearchP50, rep.SearchVsBare)
	return nil
}

func document(i int, c map[string]string) search.Document {
	num := func(k string) float64 { f, _ := strconv.ParseFloat(c[k], 64); return f }
	stars, _ := strconv.Atoi(c["ocop_stars"])
	certified, _ := time.Parse("2006-01-02", c["ocop_certified_on"])
	return search.Document{
		ID: "p-" + strconv.Itoa(i), ProducerID: c["registration_code"], ProducerName: c["producer_name"], ProducerKind: c["producer_kind"],
		Province: c["province"], LegacyDistrict: c["legacy_district"], Commune: c["commune"], Lat: num("lat"), Lon: num("lon"),
		Name: c["product_name"], Description: c["description"], Group: c["group"], Category: c["category"],
		Tags: strings.Split(c["tags"], "; "), Stars: stars, ExpiresOn: ocop.RatingExpiry(certified).Format(ocop.DateLayout),
		Certifications: strings.Split(c["certifications"], "; "), Unit: c["unit"], PriceVND: int64(num("price_vnd")),
		MonthlyCapacity: num("monthly_capacity"), MinOrder: num("min_order"),
	}
}

// streamProducers is how many producers the match runs listen as, and
// benchBuyers how many buyers post the demands.
const (
	streamProducers = 10
	benchBuyers     = 40
)

// match posts demands at 50, 100 and 200 a second (and the set rate), each
// fitting one listening producer's product alone, and measures from the
// intended send time to the notification arriving on that producer's live
// stream.
func (r *runner) match(ctx context.Context, rep *Report) error {
	official, err := r.token(auth.RoleOfficial, "")
	if err != nil {
		return err
	}
	started := time.Now().Unix()
	run := strconv.FormatInt(started, 36)
	arrivals := newArrivals()
	for k := range streamProducers {
		id := fmt.Sprintf("bench-%s-%d", run, k)
		status, body, err := r.do(ctx, http.MethodPost, "/v1/producers", official, map[string]any{"id": id, "name": "HTX Đo tải " + id,
			"kind": "cooperative", "province": "Bắc Ninh", "lat": 21.3, "lon": 106.2})
		if err != nil || status != http.StatusCreated {
			return fmt.Errorf("creating bench producer: %d %s %v", status, body, err)
		}
		token, err := r.token(auth.RoleProducer, id)
		if err != nil {
			return err
		}
		status, body, err = r.do(ctx, http.MethodPost, "/v1/products", token, map[string]any{"id": id + "-p",
			"name": "Mứt gừng " + marker(started, k), "group": "thuc_pham", "category": "cakes_snacks", "ocop_stars": 4,
			"ocop_certified_on": time.Now().AddDate(0, -1, 0).Format("2006-01-02"), "unit": "kg", "price_vnd": 100000,
			"monthly_capacity": 100000, "min_order": 1})
		if err != nil || status != http.StatusCreated {
			return fmt.Errorf("creating bench product: %d %s %v", status, body, err)
		}
		if err := r.listen(ctx, token, arrivals); err != nil {
			return err
		}
	}
	// The products must be in the index before demands ask for them.
	for k := range streamProducers {
		for {
			_, body, err := r.do(ctx, http.MethodGet, "/v1/search/products?limit=1&q="+url.QueryEscape(marker(started, k)), "", nil)
			if err == nil && bytes.Contains(body, []byte(marker(started, k))) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Many buyers post, as in a real fair week: one buyer's writes are
	// rate-limited (OCOP_WRITE_RATE), a province's are not.
	buyers := make([]string, benchBuyers)
	for i := range buyers {
		if buyers[i], err = r.token(auth.RoleBuyer, fmt.Sprintf("bench-buyer-%s-%d", run, i)); err != nil {
			return err
		}
	}
	rates := []float64{50, 100, 200}
	if r.o.Rate > 0 && !slices.Contains(rates, r.o.Rate) {
		rates = append(rates, r.o.Rate)
	}
	for _, rate := range rates {
		prefix := fmt.Sprintf("d-bench-%s-%d-", run, int(rate))
		var mu sync.Mutex
		sent := map[string]time.Time{}
		_, errs := OpenLoop(ctx, rate, r.o.Duration, func(ctx context.Context, i int, intended time.Time) error {
			id := prefix + strconv.Itoa(i)
			mu.Lock()
			sent[id] = intended
			mu.Unlock()
			status, body, err := r.do(ctx, http.MethodPost, "/v1/demands", buyers[i%len(buyers)], map[string]any{"id": id, "buyer_kind": "retailer",
				"title": "Mứt gừng " + marker(started, i%streamProducers), "text": "Cần mứt gừng " + marker(started, i%streamProducers) + " cho cửa hàng",
				"group": "thuc_pham", "quantity": 100, "unit": "kg", "delivery_province": "Hà Nội"})
			if err == nil && status != http.StatusCreated {
				err = fmt.Errorf("demand answered %d: %s", status, body)
			}
			return err
		})
		deadline := time.Now().Add(30 * time.Second)
		var lat Latencies
		for time.Now().Before(deadline) {
			lat = lat[:0]
			mu.Lock()
			for id, at := range sent {
				if got, ok := arrivals.get(id); ok {
					lat = append(lat, got.Sub(at))
				}
			}
			total := len(sent)
			mu.Unlock()
			if len(lat)+errs >= total {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		result := Run{Rate: rate, P50: ms(lat.Percentile(50)), P99: ms(lat.Percentile(99)), Done: len(lat), Errors: errs}
		rep.MatchRuns = append(rep.MatchRuns, result)
		r.logf("demand → notification at %.0f/s: p50 %.2f ms, p99 %.2f ms (%d notified, %d errors)", rate, result.P50, result.P99, result.Done, result.Errors)
		if rate == 100 || (r.o.Rate > 0 && rate == r.o.Rate) {
			rep.MatchRate, rep.MatchP50, rep.MatchP99 = rate, result.P50, result.P99
		}
	}
	return nil
}

// marker is a word only bench producer k's product has in the run started
// then. It is all letters: a demand's reader splits digits from letters
// ("500kg" is 500 kg), so a marker with digits would be read as words no
// product has, each then looked up with typos allowed.
func marker(started int64, k int) string {
	word := []byte("dotai")
	for n := started; n > 0; n /= 26 {
		word = append(word, byte('a'+n%26))
	}
	return string(append(word, 'x', byte('a'+k)))
}

// arrivals records when each demand's notification reached a stream.
type arrivals struct {
	mu sync.Mutex
	at map[string]time.Time
}

func newArrivals() *arrivals { return &arrivals{at: map[string]time.Time{}} }

func (a *arrivals) put(demand string, t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.at[demand]; !ok {
		a.at[demand] = t
	}
}

func (a *arrivals) get(demand string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[demand]
	return t, ok
}

// listen follows a producer's live stream for the rest of the run.
func (r *runner) listen(ctx context.Context, token string, a *arrivals) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.o.URL+"/v1/notifications/stream", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := (&http.Client{}).Do(req)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return fmt.Errorf("live stream answered %d", res.StatusCode)
	}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "data: ") {
				continue
			}
			var n struct {
				DemandID string `json:"demand_id"`
			}
			if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &n) == nil && n.DemandID != "" {
				a.put(n.DemandID, time.Now())
			}
		}
	}()
	return nil
}

// bareWrites measures what our demand path is made of, bare: a PostgreSQL
// insert and commit, and a JetStream publish acknowledged.
func (r *runner) bareWrites(ctx context.Context, rep *Report) error {
	if r.o.DatabaseURL != "" {
		conn, err := pgx.Connect(ctx, r.o.DatabaseURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `CREATE TEMP TABLE bench_bare (id bigserial PRIMARY KEY, payload jsonb NOT NULL)`); err != nil {
			return err
		}
		var lat Latencies
		for range 500 {
			start := time.Now()
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO bench_bare (payload) VALUES ('{"title":"Mứt gừng","quantity":100}')`)
				return err
			})
			if err != nil {
				return err
			}
			lat = append(lat, time.Since(start))
		}
		rep.BareCommitP50 = ms(lat.Percentile(50))
		r.logf("bare pgx insert and commit: p50 %.2f ms", rep.BareCommitP50)
	}
	if r.o.NATSURL != "" {
		nc, err := nats.Connect(r.o.NATSURL)
		if err != nil {
			return err
		}
		defer nc.Close()
		js, err := nc.JetStream()
		if err != nil {
			return err
		}
		stream := "BENCH_BARE"
		_ = js.DeleteStream(stream)
		if _, err := js.AddStream(&nats.StreamConfig{Name: stream, Subjects: []string{"bench.bare"}, Storage: nats.FileStorage}); err != nil {
			return err
		}
		defer func() { _ = js.DeleteStream(stream) }()
		var lat Latencies
		for range 500 {
			start := time.Now()
			if _, err := js.Publish("bench.bare", []byte(`{"title":"Mứt gừng","quantity":100}`)); err != nil {
				return err
			}
			lat = append(lat, time.Since(start))
		}
		rep.BarePublishP50 = ms(lat.Percentile(50))
		r.logf("bare JetStream publish: p50 %.2f ms", rep.BarePublishP50)
	}
	if rep.BareCommitP50 > 0 && rep.BarePublishP50 > 0 {
		rep.MatchVsBare = rep.MatchP50 / (rep.BareCommitP50 + rep.BarePublishP50)
		r.logf("demand → notification p50 at %.0f/s takes %.1f times a bare commit and publish", rep.MatchRate, rep.MatchVsBare)
	}
	return nil
}

// rss reads a process's resident and peak resident memory in MB.
func rss(pid int) (current, peak float64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			current = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return current, peak
}
