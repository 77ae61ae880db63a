// talos-config generates Talos machine configs with the official machinery at the pinned Talos version, and validates
// them the way a node would (strict, cloud or metal mode) before anything leaves the machine.
//
//	talos-config secrets --talos-version 1.12.6   prints a new secrets bundle (`talosctl gen secrets`) as YAML
//	talos-config gen < request.json               writes controlplane.yaml, worker.yaml (and talosconfig if absent), prints a report
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v4"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"
)

// userDataLimit is the EC2 user-data limit that the machine configs must fit in.
const userDataLimit = 16 * 1024

// Patch is one patch file from Git, already filled with the cluster model's values.
type Patch struct {
	File    string `json:"file"`
	Content string `json:"content"`
}

// Request is what the zx scripts send on stdin.
type Request struct {
	ClusterName       string `json:"clusterName"`
	Endpoint          string `json:"endpoint"`
	KubernetesVersion string `json:"kubernetesVersion"`
	TalosVersion      string `json:"talosVersion"`
	InstallImage      string `json:"installImage"`
	// Mode is the validation mode: "cloud" or "metal".
	Mode    string `json:"mode"`
	Secrets string `json:"secrets"`
	// Patches per role ("controlplane", "worker"), applied in order.
	Patches map[string][]Patch `json:"patches"`
	OutDir  string             `json:"outDir"`
}

// Generated describes one written machine config.
type Generated struct {
	Path     string   `json:"path"`
	Bytes    int      `json:"bytes"`
	Warnings []string `json:"warnings"`
}

// runtimeMode is the mode a node validates its config in; talosctl's own type lives outside the machinery module.
type runtimeMode string

func (m runtimeMode) String() string        { return string(m) }
func (m runtimeMode) RequiresInstall() bool { return m == "metal" }
func (m runtimeMode) InContainer() bool     { return false }

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: talos-config secrets --talos-version X | talos-config gen < request.json"))
	}

	var err error

	switch os.Args[1] {
	case "secrets":
		err = newSecrets(os.Args[2:])
	case "gen":
		err = gen()
	default:
		err = fmt.Errorf("unknown command %q: use secrets or gen", os.Args[1])
	}

	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "talos-config:", err)
	os.Exit(1)
}

func newSecrets(args []string) error {
	flags := flag.NewFlagSet("secrets", flag.ContinueOnError)
	talosVersion := flags.String("talos-version", "", "Talos version the bundle is for")

	if err := flags.Parse(args); err != nil {
		return err
	}

	contract, err := config.ParseContractFromVersion(*talosVersion)
	if err != nil {
		return fmt.Errorf("--talos-version %q: %w", *talosVersion, err)
	}

	bundle, err := secrets.NewBundle(secrets.NewClock(), contract)
	if err != nil {
		return err
	}

	return yaml.NewEncoder(os.Stdout).Encode(bundle)
}

func gen() error {
	var req Request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		return fmt.Errorf("reading the request on stdin: %w", err)
	}

	if req.Mode != "cloud" && req.Mode != "metal" {
		return fmt.Errorf("mode %q: use cloud or metal", req.Mode)
	}

	contract, err := config.ParseContractFromVersion(req.TalosVersion)
	if err != nil {
		return fmt.Errorf("talosVersion %q: %w", req.TalosVersion, err)
	}

	var bundle secrets.Bundle
	if err = yaml.Unmarshal([]byte(req.Secrets), &bundle); err != nil {
		return fmt.Errorf("secrets bundle: %w", err)
	}

	bundle.Clock = secrets.NewClock()

	if err = bundle.Validate(); err != nil {
		return fmt.Errorf("secrets bundle: %w", err)
	}

	input, err := generate.NewInput(req.ClusterName, req.Endpoint, req.KubernetesVersion,
		generate.WithVersionContract(contract),
		generate.WithSecretsBundle(&bundle),
		generate.WithInstallImage(req.InstallImage),
	)
	if err != nil {
		return err
	}

	if err = os.MkdirAll(req.OutDir, 0o700); err != nil {
		return err
	}

	report := map[string]Generated{}

	for _, role := range []struct {
		name string
		kind machine.Type
	}{{"controlplane", machine.TypeControlPlane}, {"worker", machine.TypeWorker}} {
		generated, err := genRole(input, role.kind, req.Patches[role.name], runtimeMode(req.Mode), filepath.Join(req.OutDir, role.name+".yaml"))
		if err != nil {
			return fmt.Errorf("%s config: %w", role.name, err)
		}

		report[role.name] = generated
	}

	// Kept when present: install has set its endpoints, and its client certificate is still good.
	talosconfigPath := filepath.Join(req.OutDir, "talosconfig")
	if _, err = os.Stat(talosconfigPath); errors.Is(err, os.ErrNotExist) {
		talosconfig, err := input.Talosconfig()
		if err != nil {
			return err
		}

		if err = talosconfig.Save(talosconfigPath); err != nil {
			return err
		}
	}

	return json.NewEncoder(os.Stdout).Encode(report)
}

func genRole(input *generate.Input, kind machine.Type, patches []Patch, mode runtimeMode, path string) (Generated, error) {
	cfg, err := input.Config(kind)
	if err != nil {
		return Generated{}, err
	}

	patched := configpatcher.WithConfig(cfg)

	for _, p := range patches {
		loaded, err := configpatcher.LoadPatch([]byte(p.Content))
		if err != nil {
			return Generated{}, fmt.Errorf("%s: %w", p.File, err)
		}

		if patched, err = configpatcher.Apply(patched, []configpatcher.Patch{loaded}); err != nil {
			return Generated{}, fmt.Errorf("%s: %w", p.File, err)
		}
	}

	patchedCfg, err := patched.Config()
	if err != nil {
		return Generated{}, err
	}

	// Without docs and examples, as `talosctl gen config --with-docs=false --with-examples=false`.
	out, err := patchedCfg.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
	if err != nil {
		return Generated{}, err
	}

	// Validate what a node would load: the written bytes, not the in-memory config.
	loaded, err := configloader.NewFromBytes(out)
	if err != nil {
		return Generated{}, fmt.Errorf("loading the generated config: %w", err)
	}

	warnings, err := loaded.Validate(mode, validation.WithLocal(), validation.WithStrict())
	if err != nil {
		return Generated{}, fmt.Errorf("validation in %s mode (strict): %w", mode, err)
	}

	if len(out) > userDataLimit {
		return Generated{}, fmt.Errorf("%d bytes is over the %d-byte user-data limit", len(out), userDataLimit)
	}

	if err = os.WriteFile(path, out, 0o600); err != nil {
		return Generated{}, err
	}

	return Generated{Path: path, Bytes: len(out), Warnings: warnings}, nil
}
