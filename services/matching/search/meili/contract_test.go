package meili

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
)

// The adapter's HTTP exchanges with Meilisearch are kept in testdata: the
// contract tests replay them (every request the adapter sends must be the
// recorded one, and it gets the recorded answer), so `make test` checks the
// adapter without a server. The integration tests run the same scenarios
// against a real Meilisearch (MEILI_URL) and, with -record, write what they
// exchanged back to testdata.
var record = flag.Bool("record", false, "with MEILI_URL set, rewrite testdata/*.json from a real Meilisearch")

type exchange struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Request  json.RawMessage `json:"request,omitempty"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response,omitempty"`
}

// replayer serves recorded exchanges in order and fails the test at the
// first request that is not the recorded one.
type replayer struct {
	t         *testing.T
	mu        sync.Mutex
	exchanges []exchange
	next      int
}

func (r *replayer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	body, _ := io.ReadAll(req.Body)
	if r.next >= len(r.exchanges) {
		r.t.Errorf("unexpected request %s %s %s after the recording ended", req.Method, req.URL.RequestURI(), body)
		http.Error(w, "recording ended", http.StatusInternalServerError)
		return
	}
	want := r.exchanges[r.next]
	r.next++
	if req.Method != want.Method || req.URL.RequestURI() != want.Path || !sameJSON(body, want.Request) {
		r.t.Errorf("request %d: got %s %s %s\nwant %s %s %s", r.next, req.Method, req.URL.RequestURI(), body, want.Method, want.Path, want.Request)
	}
	if req.Header.Get("Authorization") != "Bearer "+testKey {
		r.t.Errorf("request %d: sent without the API key", r.next)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(want.Status)
	_, _ = w.Write(want.Response)
}

func sameJSON(a []byte, b json.RawMessage) bool {
	if len(bytes.TrimSpace(a)) == 0 || len(b) == 0 {
		return len(bytes.TrimSpace(a)) == 0 && len(b) == 0
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// recorder is an http.RoundTripper that keeps what passes through it.
type recorder struct {
	mu        sync.Mutex
	exchanges []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	out, _ := io.ReadAll(res.Body)
	res.Body = io.NopCloser(bytes.NewReader(out))
	r.mu.Lock()
	r.exchanges = append(r.exchanges, exchange{Method: req.Method, Path: req.URL.RequestURI(), Request: body, Status: res.StatusCode, Response: out})
	r.mu.Unlock()
	return res, nil
}

const testKey = "contract-test-key"

// scenario is one recorded conversation: its file and what the adapter does.
type scenario struct {
	name string
	cfg  Config
	run  func(t *testing.T, ctx context.Context, cfg Config, opts ...meilisearch.Option)
}

var asOf = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

func products() []search.Change {
	dried := search.Document{ID: "p-dried", ProducerID: "prd-1", ProducerName: "HTX Phượng Sơn", ProducerKind: "cooperative",
		Province: "Bắc Ninh", LegacyProvince: "Bắc Giang", LegacyDistrict: "thị xã Chũ", Commune: "Phượng Sơn", Lat: 21.3558, Lon: 106.5262,
		Name: "Vải thiều sấy khô Lục Ngạn", Description: "Vải thiều sấy nguyên quả.", Group: "thuc_pham", Category: "dried_fruit",
		Tags: []string{"vải sấy"}, Stars: 4, ExpiresOn: "2027-03-03", Certifications: []string{"HACCP", "VietGAP"}, Unit: "kg",
		PriceVND: 150000, MonthlyCapacity: 3000, MinOrder: 50, Version: 1}
	honey := search.Document{ID: "p-honey", ProducerID: "prd-2", ProducerName: "Hộ Mật ong Yên Thế", ProducerKind: "household",
		Province: "Bắc Ninh", LegacyProvince: "Bắc Giang", LegacyDistrict: "huyện Yên Thế", Lat: 21.52, Lon: 106.12,
		Name: "Mật ong hoa vải Yên Thế", Group: "thuc_pham", Category: "honey", Stars: 3, ExpiresOn: "2027-06-01", Unit: "kg",
		PriceVND: 250000, MonthlyCapacity: 500, Version: 1}
	return []search.Change{{Upsert: &dried}, {Upsert: &honey}, {Delete: "p-withdrawn"}}
}

var scenarios = []scenario{
	{
		name: "index",
		cfg:  Config{Key: testKey, Index: "products", TaskTimeout: 10 * time.Second},
		run: func(t *testing.T, ctx context.Context, cfg Config, opts ...meilisearch.Option) {
			idx, err := Open(ctx, cfg, opts...)
			require.NoError(t, err)
			seq, err := idx.Sequence(ctx)
			require.NoError(t, err)
			require.Zero(t, seq, "a new index starts before the first catalogue event")
			require.NoError(t, idx.Apply(ctx, products(), 42))
			seq, err = idx.Sequence(ctx)
			require.NoError(t, err)
			require.EqualValues(t, 42, seq)
			n, err := idx.Count(ctx)
			require.NoError(t, err)
			require.EqualValues(t, 2, n)

			hits, err := idx.Search(ctx, search.Query{Text: "vai thieu say", Group: "thuc_pham", MinStars: 4,
				Certifications: []string{"HACCP"}, ValidOn: asOf, Limit: 5})
			require.NoError(t, err)
			require.Len(t, hits, 1)
			require.Equal(t, "p-dried", hits[0].ID, "folded words find the product written with diacritics")
			require.Equal(t, "Vải thiều sấy khô Lục Ngạn", hits[0].Name)
			require.Greater(t, hits[0].Score, 0.0)

			hits, err = idx.Search(ctx, search.Query{Text: "vải thiều", Group: `thuc_pham" OR group = "do_uong`, Limit: 5})
			require.NoError(t, err)
			require.Empty(t, hits, "a value cannot widen the filter")

			hits, err = idx.Search(ctx, search.Query{Text: "chè", Categories: []string{"honey"}, TextOptional: true, Limit: 5})
			require.NoError(t, err)
			require.Equal(t, []string{"p-honey"}, hitIDs(hits), "with the text optional the filter alone finds")
		},
	},
	{
		name: "task_failed",
		cfg:  Config{Key: testKey, Index: "products", TaskTimeout: 10 * time.Second},
		run: func(t *testing.T, ctx context.Context, cfg Config, opts ...meilisearch.Option) {
			idx, err := Open(ctx, cfg, opts...)
			require.NoError(t, err)
			bad := search.Document{ID: "p bad/id", Name: "Sản phẩm mã sai"}
			err = idx.Apply(ctx, []search.Change{{Upsert: &bad}}, 43)
			require.ErrorContains(t, err, "invalid_document_id", "a failed task is an error naming Meilisearch's reason")
		},
	},
}

func hitIDs(hits []search.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func file(name string) string { return filepath.Join("testdata", name+".json") }

func TestContractAgainstRecordedExchanges(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			raw, err := os.ReadFile(file(sc.name))
			require.NoError(t, err)
			r := &replayer{t: t}
			require.NoError(t, json.Unmarshal(raw, &r.exchanges))
			srv := httptest.NewServer(r)
			defer srv.Close()
			cfg := sc.cfg
			cfg.URL = srv.URL
			sc.run(t, context.Background(), cfg)
			require.Equal(t, len(r.exchanges), r.next, "every recorded exchange took place")
		})
	}
}

func TestTaskWaitTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(req.URL.Path, "/tasks/") {
			_, _ = w.Write([]byte(`{"uid":7,"indexUid":"products","status":"processing","type":"indexCreation","enqueuedAt":"2026-11-29T03:00:00Z"}`))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"taskUid":7,"indexUid":"products","status":"enqueued","type":"indexCreation","enqueuedAt":"2026-11-29T03:00:00Z"}`))
	}))
	defer srv.Close()
	start := time.Now()
	_, err := Open(context.Background(), Config{URL: srv.URL, TaskTimeout: 300 * time.Millisecond})
	require.ErrorContains(t, err, "did not finish creating index products (task 7) within 300ms")
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestFilterEscapesEveryValue(t *testing.T) {
	f := Filter(search.Query{Group: `a" OR ocop_stars > 0 OR group = "b`, Categories: []string{`x\`, "y"}, Places: []string{"huyện Yên Thế"},
		ProductIDs: []string{`p"1`}, MinStars: 4, Certifications: []string{"HACCP"}, ValidOn: asOf})
	require.Equal(t, []string{
		`group = "a\" OR ocop_stars > 0 OR group = \"b"`,
		`category IN ["x\\", "y"]`,
		`place_keys IN ["yen the"]`,
		`id IN ["p\"1"]`,
		`ocop_stars >= 4`,
		`certifications = "HACCP"`,
		`expires > 20260501`,
	}, f)
}

// TestAgainstMeilisearch runs the recorded scenarios against a real
// Meilisearch: the GitHub workflow starts one as a service container.
func TestAgainstMeilisearch(t *testing.T) {
	url := os.Getenv("MEILI_URL")
	if url == "" {
		t.Skip("MEILI_URL is not set: no Meilisearch server here (the CI workflow runs one); the contract tests replay its recorded exchanges instead")
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := sc.cfg
			cfg.URL, cfg.Key = url, os.Getenv("MEILI_MASTER_KEY")
			cfg.Index = "contract_" + sc.name + "_" + time.Now().Format("150405.000000")
			cfg.Index = strings.ReplaceAll(cfg.Index, ".", "_")
			rec := &recorder{}
			client := &http.Client{Transport: rec}
			t.Cleanup(func() {
				admin := meilisearch.New(url, meilisearch.WithAPIKey(cfg.Key))
				_, _ = admin.DeleteIndex(ctx, cfg.Index)
				_, _ = admin.DeleteIndex(ctx, cfg.Index+"_meta")
			})
			sc.run(t, ctx, cfg, meilisearch.WithCustomClient(client))
			if *record && !t.Failed() {
				writeRecording(t, sc, cfg.Index, rec.exchanges)
			}
		})
	}
}

// writeRecording stores real exchanges with the test's index name and key
// replaced by the recorded scenario's, so replays ask for the same paths.
func writeRecording(t *testing.T, sc scenario, index string, exchanges []exchange) {
	for i := range exchanges {
		exchanges[i].Path = strings.ReplaceAll(exchanges[i].Path, index, sc.cfg.Index)
		exchanges[i].Request = json.RawMessage(strings.ReplaceAll(string(exchanges[i].Request), index, sc.cfg.Index))
		exchanges[i].Response = json.RawMessage(strings.ReplaceAll(string(exchanges[i].Response), index, sc.cfg.Index))
	}
	raw, err := json.MarshalIndent(exchanges, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file(sc.name), append(raw, '\n'), 0o644))
}
