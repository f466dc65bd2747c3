package events

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// EmbeddedOptions configures the NATS server the all-in-one process runs.
type EmbeddedOptions struct {
	StoreDir string
	// Listen is host:port for outside clients; empty serves only this
	// process, in memory, with no port opened.
	Listen string
	// SyncAlways makes JetStream fsync every message before acknowledging
	// it. Without it the store is synced every syncInterval, and what a power
	// cut takes from the last interval is published again from the outbox
	// when the relays start (see Relay.Flush): one fsync per event would cap
	// a catalogue import at about a thousand events a second.
	SyncAlways bool
}

// syncInterval is how often the embedded store is synced when SyncAlways is
// off; it bounds what a power cut makes consumers handle twice.
const syncInterval = time.Second

// StartEmbedded starts a JetStream server with its file store in StoreDir.
func StartEmbedded(o EmbeddedOptions) (*server.Server, error) {
	opts := &server.Options{
		ServerName:         "ocop-embedded",
		JetStream:          true,
		StoreDir:           o.StoreDir,
		SyncAlways:         o.SyncAlways,
		SyncInterval:       syncInterval,
		NoSigs:             true,
		MaxPayload:         8 << 20,
		JetStreamMaxMemory: 256 << 20,
	}
	if o.Listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := net.SplitHostPort(o.Listen)
		if err != nil {
			return nil, fmt.Errorf("NATS listen address %q: use host:port", o.Listen)
		}
		opts.Host = host
		if opts.Port, err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("NATS listen address %q: the port is not a number", o.Listen)
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("configuring the embedded NATS server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("the embedded NATS server did not start within 30s (store %s)", o.StoreDir)
	}
	return ns, nil
}

// Connect connects to NATS: in process when embedded is not nil, else to url.
// It keeps reconnecting for as long as the process runs.
func Connect(url string, embedded *server.Server, name string, log *zap.Logger) (*nats.Conn, jetstream.JetStream, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected", zap.Error(err))
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("NATS reconnected", zap.String("url", c.ConnectedUrlRedacted())) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { log.Warn("NATS error", zap.Error(err)) }),
	}
	if embedded != nil {
		opts = append(opts, nats.InProcessServer(embedded))
		url = embedded.ClientURL()
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("JetStream context: %w", err)
	}
	return nc, js, nil
}
