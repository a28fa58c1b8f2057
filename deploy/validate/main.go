// Command validate checks evalflow's Kubernetes manifests offline (docs/operations.md,
// "Running on Kubernetes"): every document of every YAML file under the given
// directories or files is decoded
// strictly with client-go's scheme, so an unknown field, a field given twice, a
// value of the wrong type or an unknown kind fails, as the API server would refuse
// it. No cluster and no schema download is needed.
//
// Usage: validate [dir-or-file ...]
//
// Prints one line per document that fails ("file:doc N (Kind name): error"), then a
// summary; exits 1 when any document fails, 2 on a usage or read error.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomize's Kustomization that evalflow's base uses.
// The kind is not in client-go's scheme, so it is checked strictly against this
// struct: a field kustomize has but this base does not use fails too, which keeps
// the base within what is validated here.
type kustomization struct {
	APIVersion  string            `json:"apiVersion"`
	Kind        string            `json:"kind"`
	Namespace   string            `json:"namespace,omitempty"`
	Resources   []string          `json:"resources,omitempty"`
	Labels      []kustomizeLabels `json:"labels,omitempty"`
	Images      []kustomizeImage  `json:"images,omitempty"`
	NamePrefix  string            `json:"namePrefix,omitempty"`
	CommonAnnos map[string]string `json:"commonAnnotations,omitempty"`
}

type kustomizeLabels struct {
	Pairs            map[string]string `json:"pairs"`
	IncludeSelectors bool              `json:"includeSelectors,omitempty"`
	IncludeTemplates bool              `json:"includeTemplates,omitempty"`
}

type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "validate: name the directories or files to check, e.g. validate deploy/")
		os.Exit(2)
	}
	files, err := yamlFiles(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "validate: %v\n", err)
		os.Exit(2)
	}
	if len(files) == 0 {
		fmt.Fprintf(os.Stderr, "validate: no .yaml or .yml files under %s\n", strings.Join(args, ", "))
		os.Exit(2)
	}
	decoder := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	docs, failed := 0, 0
	for _, file := range files {
		n, bad, err := checkFile(decoder, file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "validate: %s: %v\n", file, err)
			os.Exit(2)
		}
		docs += n
		failed += bad
	}
	fmt.Printf("validate: %d documents in %d files, %d failed\n", docs, len(files), failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// yamlFiles lists the YAML files of the arguments (files as given, directories walked), sorted.
func yamlFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		info, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, a)
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != a && (d.Name() == "validate" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir // the validator's own sources, hidden directories
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// checkFile decodes every document of one file; it returns how many documents it
// saw and how many failed (each failure printed to stdout).
func checkFile(decoder runtime.Decoder, file string) (int, int, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	docs, failed := 0, 0
	for index := 1; ; index++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return docs, failed, err
		}
		if isEmpty(raw) {
			continue
		}
		docs++
		if what, err := checkDoc(decoder, raw); err != nil {
			failed++
			fmt.Printf("%s:doc %d%s: %v\n", file, index, what, err)
		}
	}
	return docs, failed, nil
}

func checkDoc(decoder runtime.Decoder, raw []byte) (string, error) {
	var h header
	// Non-strict here: only to name the document in messages and pick the decoder.
	if err := yaml.Unmarshal(raw, &h); err != nil {
		return "", fmt.Errorf("not a YAML mapping: %w", err)
	}
	what := ""
	if h.Kind != "" {
		what = fmt.Sprintf(" (%s %s)", h.Kind, h.Metadata.Name)
	}
	if h.Kind == "Kustomization" && strings.HasPrefix(h.APIVersion, "kustomize.config.k8s.io/") {
		var k kustomization
		if err := yaml.UnmarshalStrict(raw, &k); err != nil {
			return what, err
		}
		return what, nil
	}
	obj, gvk, err := decoder.Decode(raw, nil, nil)
	if err != nil {
		return what, err
	}
	if obj == nil || gvk == nil {
		return what, fmt.Errorf("decoded to nothing")
	}
	return what, nil
}

// isEmpty is true for a document of only comments and blank lines (e.g. after a trailing ---).
func isEmpty(raw []byte) bool {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}
