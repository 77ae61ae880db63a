// Writes a throw-away PKI for a loopback control plane into the folder given as the only argument: a CA, the API
// server's serving certificate, client certificates by name (CN and O as Kubernetes reads them) and the
// service-account signing key. Every key lives only as long as the proving ground's temp folder.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

type client struct{ file, cn, org string }

var clients = []client{
	{"admin", "proving-ground-admin", "system:masters"},
	{"controller-manager", "system:kube-controller-manager", ""},
	{"scheduler", "system:kube-scheduler", ""},
	// The API server's identity towards kubelets; kwok's fake kubelets accept any client.
	{"apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters"},
}

func main() {
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: pki <out-dir>"))
	}
	dir := os.Args[1]
	caKey, caCert := newKey(), &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "proving-ground-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER := sign(caCert, caCert, caKey, caKey)
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		fail(err)
	}
	write(dir, "ca", caDER, caKey)

	server := leaf(pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth)
	server.DNSNames = []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}
	// 10.96.0.1 is the first address of the service range the harness gives the API server.
	server.IPAddresses = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")}
	key := newKey()
	write(dir, "apiserver", sign(server, ca, key, caKey), key)

	for _, c := range clients {
		name := pkix.Name{CommonName: c.cn}
		if c.org != "" {
			name.Organization = []string{c.org}
		}
		key := newKey()
		write(dir, c.file, sign(leaf(name, x509.ExtKeyUsageClientAuth), ca, key, caKey), key)
	}

	saKey := newKey()
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		fail(err)
	}
	writePEM(filepath.Join(dir, "sa.pub"), "PUBLIC KEY", pub)
	writeKey(filepath.Join(dir, "sa.key"), saKey)
}

func leaf(subject pkix.Name, usage x509.ExtKeyUsage) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: serial(), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
}

func newKey() *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fail(err)
	}
	return key
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		fail(err)
	}
	return n
}

func sign(cert, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) []byte {
	der, err := x509.CreateCertificate(rand.Reader, cert, parent, &key.PublicKey, parentKey)
	if err != nil {
		fail(err)
	}
	return der
}

func write(dir, name string, der []byte, key *ecdsa.PrivateKey) {
	writePEM(filepath.Join(dir, name+".crt"), "CERTIFICATE", der)
	writeKey(filepath.Join(dir, name+".key"), key)
}

func writeKey(path string, key *ecdsa.PrivateKey) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		fail(err)
	}
	writePEM(path, "PRIVATE KEY", der)
}

func writePEM(path, kind string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pki:", err)
	os.Exit(1)
}
