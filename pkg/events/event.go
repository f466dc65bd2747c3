// Package events is the event backbone: CloudEvents over NATS JetStream,
// one stream per owning service, a transactional outbox with a relay, and
// durable consumers made idempotent by an inbox table.
package events

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/ocop/pkg/tracing"
)

// CloudEvents attribute headers (binary content mode).
const (
	HeaderID          = "ce-id"
	HeaderType        = "ce-type"
	HeaderSource      = "ce-source"
	HeaderTime        = "ce-time"
	HeaderSpecVersion = "ce-specversion"
	HeaderContentType = "content-type"
	specVersion       = "1.0"
)

// Event is one fact a service tells the others. Its Type is the full name of
// its protobuf message, so a consumer knows how to decode Data.
type Event struct {
	ID          string
	Type        string
	Subject     string
	Source      string
	Time        time.Time
	TraceParent string
	Data        []byte
}

// New builds an event carrying msg on subject, continuing ctx's trace.
func New(ctx context.Context, source, subject string, msg proto.Message) (Event, error) {
	data, err := proto.Marshal(msg)
	if err != nil {
		return Event{}, fmt.Errorf("encoding %T: %w", msg, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Event{}, fmt.Errorf("event id: %w", err)
	}
	return Event{
		ID:          id.String(),
		Type:        TypeOf(msg),
		Subject:     subject,
		Source:      source,
		Time:        time.Now().UTC(),
		TraceParent: tracing.From(ctx).Child().String(),
		Data:        data,
	}, nil
}

// TypeOf returns the CloudEvents type of a payload: its protobuf full name.
func TypeOf(msg proto.Message) string {
	return string(msg.ProtoReflect().Descriptor().FullName())
}

var subjectToken = strings.NewReplacer(".", "_", " ", "_", "*", "_", ">", "_", "\t", "_", "\r", "_", "\n", "_")

// Subject joins subject tokens. An id holding a character that NATS treats as
// structure (dot, wildcard, space) is made harmless, so no id can widen or
// split a subject.
func Subject(tokens ...string) string {
	safe := make([]string, len(tokens))
	for i, t := range tokens {
		safe[i] = subjectToken.Replace(t)
		if safe[i] == "" {
			safe[i] = "_"
		}
	}
	return strings.Join(safe, ".")
}

// toMsg turns an event into a NATS message with CloudEvents headers and
// Nats-Msg-Id = ce-id, so JetStream drops a republished duplicate.
func (e Event) toMsg() *nats.Msg {
	m := nats.NewMsg(e.Subject)
	m.Data = e.Data
	m.Header.Set(HeaderID, e.ID)
	m.Header.Set(HeaderType, e.Type)
	m.Header.Set(HeaderSource, e.Source)
	m.Header.Set(HeaderTime, e.Time.UTC().Format(time.RFC3339Nano))
	m.Header.Set(HeaderSpecVersion, specVersion)
	m.Header.Set(HeaderContentType, "application/protobuf; proto="+e.Type)
	if e.TraceParent != "" {
		m.Header.Set(tracing.Header, e.TraceParent)
	}
	m.Header.Set(nats.MsgIdHdr, e.ID)
	return m
}

// Message is a received event with its delivery metadata.
type Message struct {
	Event
	StreamSequence uint64
	Deliveries     uint64
}

// Trace returns the trace context the event carries, or a new one.
func (m Message) Trace() tracing.Parent {
	return tracing.FromHeaderOrNew(m.TraceParent)
}

// Decode unmarshals the payload into msg, checking that the event is of msg's type.
func (m Message) Decode(msg proto.Message) error {
	if want := TypeOf(msg); m.Type != want {
		return Permanent(fmt.Errorf("event %s is of type %q, not %q", m.ID, m.Type, want))
	}
	if err := proto.Unmarshal(m.Data, msg); err != nil {
		return Permanent(fmt.Errorf("decoding event %s (%s): %w", m.ID, m.Type, err))
	}
	return nil
}

// FromMsg reads a JetStream message as an event with its delivery metadata.
func FromMsg(msg jetstream.Msg) (Message, error) {
	meta, err := msg.Metadata()
	if err != nil {
		return Message{}, Permanent(fmt.Errorf("reading delivery metadata: %w", err))
	}
	ev, err := fromMsg(msg.Subject(), msg.Headers(), msg.Data())
	if err != nil {
		return Message{}, err
	}
	return Message{Event: ev, StreamSequence: meta.Sequence.Stream, Deliveries: meta.NumDelivered}, nil
}

// fromMsg reads the CloudEvents attributes of a NATS message.
func fromMsg(subject string, h nats.Header, data []byte) (Event, error) {
	e := Event{
		ID:          h.Get(HeaderID),
		Type:        h.Get(HeaderType),
		Subject:     subject,
		Source:      h.Get(HeaderSource),
		TraceParent: h.Get(tracing.Header),
		Data:        data,
	}
	if e.ID == "" || e.Type == "" {
		return e, Permanent(fmt.Errorf("message on %s lacks ce-id or ce-type", subject))
	}
	if _, err := uuid.Parse(e.ID); err != nil {
		return e, Permanent(fmt.Errorf("message on %s has ce-id %q, not a UUID", subject, e.ID))
	}
	if t := h.Get(HeaderTime); t != "" {
		parsed, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return e, Permanent(fmt.Errorf("message %s has ce-time %q, not RFC 3339", e.ID, t))
		}
		e.Time = parsed
	}
	return e, nil
}
