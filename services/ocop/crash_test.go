package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/testkit"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// buildBinary compiles this command once for the test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ocop")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

type ocopProcess struct {
	cmd *exec.Cmd
	url string
}

func startOCOP(t *testing.T, bin string, env []string) ocopProcess {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), append(env, "OCOP_ADDR="+addr, "OCOP_LOG_LEVEL=warn")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p := ocopProcess{cmd: cmd, url: "http://" + addr}
	testkit.Eventually(t, 60*time.Second, "ocop is ready", func() bool {
		req, _ := http.NewRequest(http.MethodGet, p.url+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

func startNATS(t *testing.T, storeDir, addr string) func() {
	t.Helper()
	ns, err := events.StartEmbedded(events.EmbeddedOptions{StoreDir: storeDir, Listen: addr})
	require.NoError(t, err)
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			ns.Shutdown()
			ns.WaitForShutdown()
		}
	}
	t.Cleanup(stop)
	return stop
}

// A demand committed while its event could not be published, by a process
// that then dies (SIGKILL), still reaches matching once the process is back:
// the event waited in the outbox.
func TestEventCommittedBeforeCrashArrivesAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as a separate process")
	}
	bin := buildBinary(t)
	dbURL := testkit.DatabaseURL(t)
	natsDir, natsAddr := t.TempDir(), freeAddr(t)
	stopNATS := startNATS(t, natsDir, natsAddr)
	env := []string{
		"DATABASE_URL=" + dbURL, "NATS_URL=nats://" + natsAddr, "OCOP_DATA_DIR=" + t.TempDir(), "OCOP_JWT_SECRET=" + testkit.JWTSecret,
	}
	proc := startOCOP(t, bin, env)
	api := testkit.Client{BaseURL: proc.url}

	official := testkit.Token(t, auth.RoleOfficial, "")
	res := api.Do(t, http.MethodPost, "/v1/producers", map[string]any{
		"id": "prd-001", "name": "HTX Nông sản Phượng Sơn", "kind": "cooperative", "province": "Bắc Ninh", "lat": 21.3558, "lon": 106.5262,
	}, official)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	res = api.Do(t, http.MethodPost, "/v1/products", map[string]any{
		"id": "p-honey", "name": "Mật ong hoa vải Lục Ngạn", "group": "thuc_pham", "category": "honey", "ocop_stars": 4,
		"ocop_certified_on": testkit.CertifiedMonthsAgo(20), "unit": "kg", "price_vnd": 250000, "monthly_capacity": 800, "min_order": 5,
	}, testkit.Token(t, auth.RoleProducer, "prd-001"))
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	testkit.Eventually(t, 30*time.Second, "the product is searchable", func() bool {
		var hits struct{ Items []any }
		api.Do(t, http.MethodGet, "/v1/search/products?q=mat+ong", nil, "").JSON(t, &hits)
		return len(hits.Items) == 1
	})

	stopNATS()
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	res = api.Do(t, http.MethodPost, "/v1/demands", map[string]any{
		"buyer_kind": "retailer", "title": "Mật ong hoa vải", "text": "Cần mật ong hoa vải 200 kg mỗi tháng.",
		"group": "thuc_pham", "quantity": 200, "unit": "kg", "delivery_province": "Hà Nội",
	}, buyer)
	require.Equal(t, http.StatusCreated, res.Status, "a demand is accepted while NATS is down: it waits in the outbox")
	var d struct{ ID string }
	res.JSON(t, &d)

	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var waiting int
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT count(*) FROM demand.outbox WHERE subject = $1 AND published_at IS NULL`, "ocop.demand.demand."+d.ID).Scan(&waiting))
	require.Equal(t, 1, waiting, "the demand's event is committed but not yet published")

	require.NoError(t, proc.cmd.Process.Signal(syscall.SIGKILL))
	_ = proc.cmd.Wait()

	startNATS(t, natsDir, natsAddr)
	proc = startOCOP(t, bin, env)
	api = testkit.Client{BaseURL: proc.url}
	testkit.Eventually(t, 60*time.Second, "the demand is matched after the restart", func() bool {
		var m struct {
			Status string
			Items  []struct {
				ProductID string `json:"product_id"`
			}
		}
		res := api.Do(t, http.MethodGet, "/v1/demands/"+d.ID+"/matches", nil, buyer)
		if res.Status != http.StatusOK {
			return false
		}
		res.JSON(t, &m)
		return m.Status == "matched" && len(m.Items) == 1 && m.Items[0].ProductID == "p-honey"
	})
	var page struct {
		Items []struct {
			DemandID string `json:"demand_id"`
		}
	}
	api.Do(t, http.MethodGet, "/v1/notifications", nil, testkit.Token(t, auth.RoleProducer, "prd-001")).JSON(t, &page)
	require.Len(t, page.Items, 1)
	require.Equal(t, d.ID, page.Items[0].DemandID)
}
