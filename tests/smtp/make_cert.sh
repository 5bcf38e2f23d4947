#!/bin/sh
# make_cert.sh DIR — a tiny test CA plus a leaf server certificate for localhost/127.0.0.1
# that rustls accepts (leaf has CA:FALSE, SAN DNS:localhost + IP:127.0.0.1, serverAuth).
# Writes DIR/ca.pem, DIR/server.pem, DIR/server.key (also ca.key, kept for re-signing).
set -eu
DIR=${1:?usage: make_cert.sh DIR}
mkdir -p "$DIR"
cd "$DIR"
EXT=$(mktemp)
trap 'rm -f "$EXT" server.csr ca.srl' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Baosong Test CA" \
  -keyout ca.key -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout server.key -out server.csr 2>/dev/null
cat > "$EXT" <<'X'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
X
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -days 3650 -sha256 -extfile "$EXT" -out server.pem 2>/dev/null
echo "$DIR/ca.pem $DIR/server.pem $DIR/server.key"
