#!/usr/bin/env bash
# Makes a self-signed certificate and key for a lab setup of webfused:
#   script/make-cert.sh DIR [NAME...]
# writes DIR/cert.pem and DIR/key.pem (mode 600), valid for 825 days for
# every NAME (host names or IP addresses; default: localhost 127.0.0.1 ::1).
# The device runs `webfused --cert DIR/cert.pem --key DIR/key.pem ...`; a
# provider trusts it with `webfuse-provider --ca DIR/cert.pem -u wss://...`.
# For production use a certificate from your own or a public CA.
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
	sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
fi
dir=$1
shift
[ $# -gt 0 ] || set -- localhost 127.0.0.1 ::1
command -v openssl >/dev/null || {
	echo "make-cert.sh: needs openssl (apt-get install openssl)" >&2
	exit 1
}

san=""
for name in "$@"; do
	if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then
		san+="${san:+,}IP:$name"
	else
		san+="${san:+,}DNS:$name"
	fi
done

mkdir -p "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -days 825 -subj "/CN=$1" -addext "subjectAltName=$san" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
chmod 644 "$dir/cert.pem"
echo "made $dir/cert.pem and $dir/key.pem for $san"
