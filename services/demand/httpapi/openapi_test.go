package httpapi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/demand/app"
	"github.com/ocopvn/ocop/services/demand/domain"
	"github.com/ocopvn/ocop/services/demand/httpapi"
)

type document struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

func read(t *testing.T, raw []byte) document {
	t.Helper()
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("the OpenAPI document is not JSON: %v", err)
	}
	return doc
}

func TestEveryRouteIsDocumentedAndEveryOperationRouted(t *testing.T) {
	doc := read(t, httpapi.OpenAPI)
	e := echo.New()
	httpapi.New(app.New(nil, time.Now), nil).Register(e)
	routed := map[string]bool{}
	for _, r := range e.Routes() {
		path := strings.ReplaceAll(r.Path, ":id", "{id}")
		op := strings.ToLower(r.Method) + " " + path
		routed[op] = true
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s is served but not documented", op)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" && !routed[method+" "+path] {
				t.Errorf("%s %s is documented but not served", method, path)
			}
		}
	}
}

// The shared components must be the catalogue's, byte for byte: the
// documents of all services are merged into one.
func TestSharedComponentsAreTheCatalogues(t *testing.T) {
	raw, err := os.ReadFile("../../catalogue/httpapi/openapi.json")
	if err != nil {
		t.Fatalf("reading the catalogue's document: %v", err)
	}
	ours, theirs := read(t, httpapi.OpenAPI), read(t, raw)
	if !bytes.Equal(ours.Components.Schemas["Problem"], theirs.Components.Schemas["Problem"]) {
		t.Error("components.schemas.Problem differs from the catalogue's")
	}
	if !bytes.Equal(ours.Components.SecuritySchemes["bearer"], theirs.Components.SecuritySchemes["bearer"]) {
		t.Error("components.securitySchemes.bearer differs from the catalogue's")
	}
}

func TestEnumsFollowTheVocabulary(t *testing.T) {
	doc := read(t, httpapi.OpenAPI)
	enum := func(schema string, path ...string) []string {
		t.Helper()
		var node any
		if err := json.Unmarshal(doc.Components.Schemas[schema], &node); err != nil {
			t.Fatalf("schema %s: %v", schema, err)
		}
		for _, p := range path {
			node = node.(map[string]any)[p]
		}
		var out []string
		for _, v := range node.([]any) {
			if v != nil { // null stands for "none chosen"
				out = append(out, v.(string))
			}
		}
		return out
	}
	var groups, statuses []string
	for _, g := range ocop.Groups {
		groups = append(groups, string(g))
	}
	for _, s := range domain.Statuses {
		statuses = append(statuses, string(s))
	}
	for _, schema := range []string{"DemandInput", "Demand"} {
		for name, c := range map[string]struct{ got, want []string }{
			"buyer_kind":              {enum(schema, "properties", "buyer_kind", "enum"), ocop.BuyerKinds},
			"group":                   {enum(schema, "properties", "group", "enum"), groups},
			"required_certifications": {enum(schema, "properties", "required_certifications", "items", "enum"), ocop.Certifications},
		} {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("%s.%s enum = %v, want %v", schema, name, c.got, c.want)
			}
		}
	}
	if got := enum("Demand", "properties", "status", "enum"); !slices.Equal(got, statuses) {
		t.Errorf("Demand.status enum = %v, want %v", got, statuses)
	}
}
