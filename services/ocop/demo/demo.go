// Package demo ships the demo data inside the binary: an illustrative OCOP
// catalogue (fictional producers) and judged buyer demands, copied from the
// project's shared data set so users need nothing beside the repository.
package demo

import _ "embed"

// Catalogue is ocop-catalogue.json: {"producers": [...], "products": [...]}.
//
//go:embed ocop-catalogue.json
var Catalogue []byte

// Demands is demands-dev.json: {"as_of", "demands", "judgments"}.
//
//go:embed demands-dev.json
var Demands []byte
