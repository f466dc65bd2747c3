package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/testkit"
)

// Stopping a server while demands are being posted leaves nothing half
// done: every demand the API accepted is stored and its event published
// before the process ends, and the outbox holds nothing unpublished.
func TestShutdownFinishesRequestsAndFlushesTheOutbox(t *testing.T) {
	ns := testkit.NATSServer(t)
	dbURL := testkit.DatabaseURL(t)
	proc := start(t, dbURL, t.TempDir(), ns.ClientURL(), []string{"demand"})
	c := testkit.Client{BaseURL: proc.url}
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		accepted int
	)
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := map[string]any{}
			for k, v := range dryLycheeDemand {
				d[k] = v
			}
			d["id"] = fmt.Sprintf("d-stop-%02d", i)
			body, _ := json.Marshal(d)
			req, _ := http.NewRequest(http.MethodPost, c.BaseURL+"/v1/demands", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+buyer)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return // refused once the server stopped listening
			}
			res.Body.Close()
			if res.StatusCode == http.StatusCreated {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		}()
		if i == 15 {
			go proc.stop()
		}
	}
	wg.Wait()
	proc.stop()

	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var stored, unpublished int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM demand.demands WHERE id LIKE 'd-stop-%'`).Scan(&stored))
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM demand.outbox WHERE published_at IS NULL`).Scan(&unpublished))
	require.Equal(t, accepted, stored, "every demand answered 201 is stored, and no other")
	require.Zero(t, unpublished, "the relay flushed the outbox before the process ended")

	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	stream, err := js.Stream(context.Background(), events.StreamDemand)
	require.NoError(t, err)
	info, err := stream.Info(context.Background(), jetstream.WithSubjectFilter("ocop.demand.demand.>"))
	require.NoError(t, err)
	require.EqualValues(t, stored, info.State.Msgs, "each stored demand's event is on the bus")
}
