package platform

import (
	"encoding/json"
	"fmt"
	"sort"
)

// MergeOpenAPI joins the OpenAPI documents of the services a process runs
// into the one it serves at /v1/openapi.json: paths and components are
// united; a path or component defined twice differently is an error.
func MergeOpenAPI(title, version string, docs ...[]byte) ([]byte, error) {
	paths := map[string]json.RawMessage{}
	components := map[string]map[string]json.RawMessage{}
	var tags []json.RawMessage
	for _, raw := range docs {
		var doc struct {
			Paths      map[string]json.RawMessage            `json:"paths"`
			Components map[string]map[string]json.RawMessage `json:"components"`
			Tags       []json.RawMessage                     `json:"tags"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("reading an OpenAPI document: %w", err)
		}
		for p, v := range doc.Paths {
			if old, dup := paths[p]; dup && string(old) != string(v) {
				return nil, fmt.Errorf("OpenAPI path %s is defined by two services", p)
			}
			paths[p] = v
		}
		for kind, entries := range doc.Components {
			if components[kind] == nil {
				components[kind] = map[string]json.RawMessage{}
			}
			for name, v := range entries {
				if old, dup := components[kind][name]; dup && !sameJSON(old, v) {
					return nil, fmt.Errorf("OpenAPI component %s/%s differs between services", kind, name)
				}
				components[kind][name] = v
			}
		}
		tags = append(tags, doc.Tags...)
	}
	sort.Slice(tags, func(i, j int) bool { return string(tags[i]) < string(tags[j]) })
	return json.MarshalIndent(map[string]any{
		"openapi":    "3.1.0",
		"info":       map[string]string{"title": title, "version": version},
		"servers":    []map[string]string{{"url": "/"}},
		"tags":       tags,
		"paths":      paths,
		"components": components,
	}, "", "  ")
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
