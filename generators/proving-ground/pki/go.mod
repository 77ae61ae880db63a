// The proving ground's throw-away PKI (main.go): Go's standard library only.
module hybrid-gitops/proving-ground/pki

go 1.26.0
