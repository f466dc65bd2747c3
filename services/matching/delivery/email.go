package delivery

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/ocopvn/ocop/pkg/ocop"
)

//go:embed templates/*
var templateFiles embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html"))
)

var funcs = map[string]any{
	"when": func(t time.Time) string { return t.In(ocop.Vietnam).Format("15:04 02/01/2006") },
}

// Item is one notification as an e-mail tells it.
type Item struct {
	Kind      string
	Title     string
	Body      string
	Reasons   []string
	CreatedAt time.Time
}

// kindsEN name notification kinds in English; the notification's own text
// is Vietnamese and follows.
var kindsEN = map[string]string{
	"match": "A buyer's demand fits your product", "new_supplier": "A new supplier fits your demand",
	"quote_submitted": "A producer quoted for your demand", "quote_decided": "The buyer decided on your quote",
	"meeting_requested": "A fair meeting is requested", "meeting_decided": "A fair meeting was answered",
	"fair_published": "A fair fits your products", "application_received": "A fair application arrived",
	"application_decided": "Your fair application was decided", "booth_booked": "A booth was booked",
	"deal_follow_up": "How did the deal go?", "rating_expiring": "An OCOP rating lapses soon",
	"webhook_disabled": "A webhook endpoint was disabled",
}

// Email is a rendered e-mail.
type Email struct {
	Subject, Text, HTML string
}

type view struct {
	Items    []Item
	Language string
	KindsEN  map[string]string
}

// Render renders one notification, or a digest of items, in a language.
func Render(language string, items []Item, digest bool) (Email, error) {
	if language != "en" {
		language = "vi"
	}
	v := view{Items: items, Language: language, KindsEN: kindsEN}
	name := "single"
	if digest {
		name = "digest"
	}
	var subject, text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&subject, name+"_subject_"+language+".txt", v); err != nil {
		return Email{}, err
	}
	if err := textTemplates.ExecuteTemplate(&text, name+"_"+language+".txt", v); err != nil {
		return Email{}, err
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+"_"+language+".html", v); err != nil {
		return Email{}, err
	}
	return Email{Subject: strings.TrimSpace(subject.String()), Text: text.String(), HTML: html.String()}, nil
}

// Mailer sends e-mail through an SMTP server.
type Mailer struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

// Send sends e as a multipart/alternative message (plain text and HTML),
// over STARTTLS when the server offers it. Credentials are only ever sent
// encrypted.
func (m Mailer) Send(to string, e Email) error {
	if err := m.send(to, e); err != nil {
		return fmt.Errorf("sending e-mail to %s through %s: %w", to, m.Addr, err)
	}
	return nil
}

func (m Mailer) send(to string, e Email) error {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("OCOP_SMTP_FROM %q is not an address: %w", m.From, err)
	}
	msg, err := compose(m.From, to, e, time.Now())
	if err != nil {
		return err
	}
	c, err := smtp.Dial(m.Addr)
	if err != nil {
		return err
	}
	defer c.Close()
	secure := false
	if ok, _ := c.Extension("STARTTLS"); ok {
		// The client upgrades only as it connects: connect again, encrypted.
		_ = c.Close()
		host, _, _ := net.SplitHostPort(m.Addr)
		if c, err = smtp.DialStartTLS(m.Addr, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
		defer c.Close()
		secure = true
	}
	if m.Username != "" {
		if !secure {
			return errors.New("the server offers no STARTTLS; refusing to send the SMTP password in the clear")
		}
		if err := c.Auth(sasl.NewPlainClient("", m.Username, m.Password)); err != nil {
			return err
		}
	}
	if err := c.Mail(from.Address, nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func compose(from, to string, e Email, now time.Time) ([]byte, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	boundary := "ocop-" + hex.EncodeToString(b)
	var out bytes.Buffer
	fmt.Fprintf(&out, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\n",
		from, to, mime.QEncoding.Encode("utf-8", e.Subject), now.Format(time.RFC1123Z))
	fmt.Fprintf(&out, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", boundary)
	for _, part := range []struct{ kind, body string }{{"text/plain", e.Text}, {"text/html", e.HTML}} {
		fmt.Fprintf(&out, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, part.kind)
		w := quotedprintable.NewWriter(&out)
		if _, err := w.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		out.WriteString("\r\n")
	}
	fmt.Fprintf(&out, "--%s--\r\n", boundary)
	return out.Bytes(), nil
}
