// Command protogen compiles the event schemas under proto/ and writes their Go
// code next to them, with no protoc installed: the schemas are parsed in Go
// (protocompile) and handed to protoc-gen-go, pinned as a tool of this module.
//
//	go run ./scripts/protogen -root proto          regenerate
//	go run ./scripts/protogen -root proto -check   fail if the committed code is stale
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

func main() {
	root := flag.String("root", "proto", "directory holding the .proto files")
	check := flag.Bool("check", false, "do not write: exit 1 when a generated file differs from the committed one")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "protogen:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	files, err := protoFiles(root)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .proto files under %s", root)
	}
	compiler := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: []string{root}}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	compiled, err := compiler.Compile(context.Background(), files...)
	if err != nil {
		return fmt.Errorf("compiling: %w", err)
	}
	req := &pluginpb.CodeGeneratorRequest{
		FileToGenerate: files,
		Parameter:      proto.String("paths=source_relative"),
	}
	seen := map[string]bool{}
	for _, f := range compiled {
		addWithDeps(req, f, seen)
	}
	resp, err := runPlugin(req)
	if err != nil {
		return err
	}
	var stale []string
	for _, out := range resp.GetFile() {
		path := filepath.Join(root, out.GetName())
		if check {
			current, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(current, []byte(out.GetContent())) {
				stale = append(stale, path)
			}
			continue
		}
		if err := os.WriteFile(path, []byte(out.GetContent()), 0o644); err != nil {
			return err
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("generated code is stale, run `make proto` and commit: %s", strings.Join(stale, ", "))
	}
	return nil
}

func protoFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".proto") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// addWithDeps adds a file after its imports, as CodeGeneratorRequest requires.
func addWithDeps(req *pluginpb.CodeGeneratorRequest, f protoreflect.FileDescriptor, seen map[string]bool) {
	if seen[f.Path()] {
		return
	}
	seen[f.Path()] = true
	imports := f.Imports()
	for i := range imports.Len() {
		addWithDeps(req, imports.Get(i).FileDescriptor, seen)
	}
	fdp := protodesc.ToFileDescriptorProto(f)
	req.ProtoFile = append(req.ProtoFile, fdp)
	if isGenerated(req, f.Path()) {
		req.SourceFileDescriptors = append(req.SourceFileDescriptors, proto.Clone(fdp).(*descriptorpb.FileDescriptorProto))
	}
}

func isGenerated(req *pluginpb.CodeGeneratorRequest, path string) bool {
	for _, f := range req.GetFileToGenerate() {
		if f == path {
			return true
		}
	}
	return false
}

// runPlugin runs protoc-gen-go, the tool pinned in this module's go.mod.
func runPlugin(req *pluginpb.CodeGeneratorRequest) (*pluginpb.CodeGeneratorResponse, error) {
	in, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	self, err := moduleDir()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "tool", "protoc-gen-go")
	cmd.Dir = self
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("running protoc-gen-go: %w", err)
	}
	var resp pluginpb.CodeGeneratorResponse
	if err := proto.Unmarshal(out, &resp); err != nil {
		return nil, fmt.Errorf("reading protoc-gen-go's answer: %w", err)
	}
	if resp.Error != nil {
		return nil, fmt.Errorf("protoc-gen-go: %s", resp.GetError())
	}
	return &resp, nil
}

// moduleDir finds this module's directory, where `go tool` resolves the plugin.
func moduleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ocopvn/ocop/scripts/protogen").Output()
	if err != nil {
		return "", fmt.Errorf("locating the protogen module (run from the repository): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
