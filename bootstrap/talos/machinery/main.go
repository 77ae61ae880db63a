// talos-config generates Talos machine configs with the official machinery at the pinned Talos version, and validates
// them the way a node would (strict, cloud or metal mode) before anything leaves the machine.
//
//	talos-config secrets --talos-version 1.12.6   prints a new secrets bundle (`talosctl gen secrets`) as YAML
//	talos-config gen < request.json               writes controlplane.yaml, worker.yaml (and talosconfig if absent), prints a report;
//	                                              with a serviceAccountIssuer, also the issuer's OIDC documents under oidc/
package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
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
	// ServiceAccountIssuer is the public issuer URL the API server is configured with (aws), or empty.
	ServiceAccountIssuer string `json:"serviceAccountIssuer"`
	OutDir               string `json:"outDir"`
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

	if req.ServiceAccountIssuer != "" {
		if err = writeOIDCDocuments(req.ServiceAccountIssuer, bundle.Certs.K8sServiceAccount.Key, filepath.Join(req.OutDir, "oidc")); err != nil {
			return fmt.Errorf("OIDC documents: %w", err)
		}
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

// jwk is the public half of an RSA service-account key, as the API server serves it at /openid/v1/jwks.
type jwk struct {
	Use string `json:"use"`
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

type discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
}

// writeOIDCDocuments writes the discovery document and the JWKS that STS fetches from the issuer, at their paths under
// the issuer (generators/irsa.ts OIDC_DOCUMENT_PATHS), from the bundle's service-account signing key.
func writeOIDCDocuments(issuer string, keyPEM []byte, dir string) error {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return errors.New("the secrets bundle's service-account key is not PEM")
	}

	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("the secrets bundle's service-account key is not an RSA key (Talos 1.7+ bundles are): %w", err)
	}

	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}

	// The API server names its key by the SHA-256 of the key's DER form; tokens carry that kid.
	kid := sha256.Sum256(der)
	b64 := base64.RawURLEncoding.EncodeToString
	keys := struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{{Use: "sig", Kty: "RSA", Kid: b64(kid[:]), Alg: "RS256", N: b64(key.N.Bytes()), E: b64(bigEndian(key.E))}}}

	documents := map[string]any{
		".well-known/openid-configuration": discovery{
			Issuer:                           issuer,
			JWKSURI:                          issuer + "/openid/v1/jwks",
			ResponseTypesSupported:           []string{"id_token"},
			SubjectTypesSupported:            []string{"public"},
			IDTokenSigningAlgValuesSupported: []string{"RS256"},
		},
		"openid/v1/jwks": keys,
	}

	for path, document := range documents {
		out, err := json.MarshalIndent(document, "", "  ")
		if err != nil {
			return err
		}

		target := filepath.Join(dir, filepath.FromSlash(path))
		if err = os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}

		if err = os.WriteFile(target, append(out, '\n'), 0o644); err != nil {
			return err
		}
	}

	return nil
}

// bigEndian is the RSA exponent as the shortest big-endian bytes, as JWK's "e" wants it.
func bigEndian(e int) []byte {
	var out []byte
	for ; e > 0; e >>= 8 {
		out = append([]byte{byte(e)}, out...)
	}

	return out
}
