#!/usr/bin/env bash
# Makes the certificates the TLS tests use, in the directory $1, with the
# openssl command line tool:
#   ca.crt/.key        test root CA
#   ca2.crt/.key       another root CA, not trusted by the tests
#   int.crt/.key       intermediate CA signed by ca
#   server.crt         SAN DNS:localhost, IP:127.0.0.1, signed by ca
#   server-chain.crt   SAN DNS:localhost, signed by int, followed by int.crt
#   wrongname.crt      SAN DNS:wrong.example, signed by ca
#   cnonly.crt         CN=localhost, no SAN, signed by ca
#   revoked.crt        SAN DNS:localhost, signed by ca, revoked in ca.crl
#   unknown.crt        SAN DNS:wrong.example, signed by ca2
#   selfsigned.crt     PostgreSQL's documented recipe (req -x509, CN=localhost)
#   ca.crl             revokes revoked.crt;  ca2.crl, int.crl: empty
#   crldir/            ca.crl, hashed with openssl rehash
#   client.crt/.key    CN=postgres, signed by ca (key unencrypted)
#   client-pkcs8.key   the same key, PKCS#8 encrypted (AES-256, PBKDF2), "secret"
#   client-trad.key    the same key, traditional PEM encryption (AES-256-CBC), "secret"
#   client-3des.key    the same key, traditional PEM encryption (DES-EDE3-CBC), "secret"
# Every *.key (except the encrypted ones' passwords) is mode 0600.
set -euo pipefail
d=$1
mkdir -p "$d"
cd "$d"
days=3650

key() { openssl genrsa -out "$1" 2048 2>/dev/null; chmod 600 "$1"; }

ca() { # name subject [issuer]
  key "$1.key"
  if [ $# -eq 2 ]; then
    openssl req -new -x509 -days $days -key "$1.key" -out "$1.crt" -subj "$2" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  else
    openssl req -new -key "$1.key" -out "$1.csr" -subj "$2"
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial \
      -days $days -out "$1.crt" -extfile "$1.ext" 2>/dev/null
  fi
}

leaf() { # name subject issuer [san]
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "$2"
  : >"$1.ext"
  [ -n "${4:-}" ] && echo "subjectAltName=$4" >>"$1.ext"
  echo "basicConstraints=CA:FALSE" >>"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial \
    -days $days -out "$1.crt" -extfile "$1.ext" 2>/dev/null
}

crl() { # ca [revoked cert]
  mkdir -p "db-$1"
  : >"db-$1/index.txt"
  echo 01 >"db-$1/crlnumber"
  cat >"db-$1/cnf" <<CNF
[ca]
default_ca = x
[x]
database = db-$1/index.txt
crlnumber = db-$1/crlnumber
default_md = sha256
default_crl_days = $days
CNF
  if [ -n "${2:-}" ]; then
    openssl ca -config "db-$1/cnf" -keyfile "$1.key" -cert "$1.crt" -revoke "$2.crt" 2>/dev/null
  fi
  openssl ca -config "db-$1/cnf" -keyfile "$1.key" -cert "$1.crt" -gencrl -out "$1.crl" 2>/dev/null
}

ca ca "/CN=pgdumpall-rs test CA"
ca ca2 "/CN=pgdumpall-rs other CA"
ca int "/CN=pgdumpall-rs intermediate CA" ca
leaf server "/CN=localhost" ca "DNS:localhost,IP:127.0.0.1"
leaf server-int "/CN=localhost" int "DNS:localhost"
cat server-int.crt int.crt >server-chain.crt
cp server-int.key server-chain.key
leaf wrongname "/CN=wrong.example" ca "DNS:wrong.example"
leaf cnonly "/CN=localhost" ca
leaf revoked "/CN=localhost" ca "DNS:localhost"
leaf unknown "/CN=wrong.example" ca2 "DNS:wrong.example"
leaf client "/CN=postgres" ca
openssl req -new -x509 -days $days -nodes -text -out selfsigned.crt -keyout selfsigned.key \
  -subj "/CN=localhost" 2>/dev/null
chmod 600 selfsigned.key
crl ca revoked
crl ca2
crl int
mkdir -p crldir
cp ca.crl crldir/
openssl rehash crldir 2>/dev/null || c_rehash crldir >/dev/null
openssl pkcs8 -topk8 -v2 aes-256-cbc -in client.key -out client-pkcs8.key -passout pass:secret
openssl rsa -aes256 -traditional -in client.key -out client-trad.key -passout pass:secret 2>/dev/null
openssl rsa -des3 -traditional -in client.key -out client-3des.key -passout pass:secret 2>/dev/null
chmod 600 ./*.key
# A hashed certificate directory holding ca.crt, for SSL_CERT_DIR.
mkdir -p certdir
cp ca.crt certdir/
openssl rehash certdir 2>/dev/null || c_rehash certdir >/dev/null
