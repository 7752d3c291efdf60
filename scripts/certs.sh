#!/usr/bin/env bash
# Writes a self-signed development certificate for localhost and 127.0.0.1 (never for production: use
# tls.acme.* or your CA's files). Usage: scripts/certs.sh [dir]  (default certs/)
set -euo pipefail
dir="${1:-certs}"
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 397 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
  -addext "extendedKeyUsage=serverAuth" \
  -keyout "$dir/localhost-key.pem" -out "$dir/localhost.pem" 2>/dev/null
chmod 644 "$dir/localhost.pem"
echo "wrote $dir/localhost.pem and $dir/localhost-key.pem; start with:"
echo "  TRACKER_TLS_ENABLED=true TRACKER_TLS_CERT_FILE=$dir/localhost.pem TRACKER_TLS_KEY_FILE=$dir/localhost-key.pem make run"
