// Package seed loads a catalogue file (the layout of ocop-catalogue.json)
// into a running server through its public API, so every producer and
// product goes through validation, the outbox and the bus like any other.
package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Catalogue is the file layout: producers and products as JSON objects with
// the API's field names.
type Catalogue struct {
	Producers []json.RawMessage `json:"producers"`
	Products  []json.RawMessage `json:"products"`
}

// Parse reads a catalogue file.
func Parse(data []byte) (Catalogue, error) {
	var c Catalogue
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("reading the catalogue file: %w (expected {\"producers\": [...], \"products\": [...]})", err)
	}
	return c, nil
}

// Result counts what a seed run did.
type Result struct {
	Created  int64
	Existing int64
}

// Client posts to a server as an admin.
type Client struct {
	URL         string
	Token       string
	HTTP        *http.Client
	Concurrency int
	// Progress, when set, is called after each record with the running count.
	Progress func(done, total int)
}

// Load creates every producer, then every product. A record that already
// exists (409) is left as it is, so seeding twice changes nothing.
func (c Client) Load(ctx context.Context, cat Catalogue) (Result, error) {
	var res Result
	total := len(cat.Producers) + len(cat.Products)
	var done atomic.Int64
	var mu sync.Mutex
	step := func() {
		n := done.Add(1)
		if c.Progress != nil {
			mu.Lock()
			c.Progress(int(n), total)
			mu.Unlock()
		}
	}
	for _, batch := range []struct {
		path    string
		records []json.RawMessage
	}{{"/v1/producers", cat.Producers}, {"/v1/products", cat.Products}} {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, c.Concurrency))
		for i, rec := range batch.records {
			g.Go(func() error {
				created, err := c.post(gctx, batch.path, rec)
				if err != nil {
					return fmt.Errorf("%s record %d: %w", batch.path, i+1, err)
				}
				if created {
					atomic.AddInt64(&res.Created, 1)
				} else {
					atomic.AddInt64(&res.Existing, 1)
				}
				step()
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (c Client) post(ctx context.Context, path string, body []byte) (created bool, err error) {
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+path, bytes.NewReader(body))
		if err != nil {
			return false, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := client.Do(req)
		if err != nil {
			return false, err
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusCreated:
			return true, nil
		case resp.StatusCode == http.StatusConflict:
			return false, nil
		case resp.StatusCode == http.StatusTooManyRequests && attempt < 120:
			// The server limits each token's writes; wait as it says.
			wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || wait < 1 {
				wait = 1
			}
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-time.After(time.Duration(wait) * time.Second):
			}
			continue
		case resp.StatusCode >= 500 && attempt < 5:
			time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
			continue
		default:
			return false, fmt.Errorf("the server answered %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
		}
	}
}
