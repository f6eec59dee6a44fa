# fake.sh: the loopback Azure fakes (tests/fake/run.py) for CLI tests. Source it after lib.sh.
# fake_start [run.py args...] sets FAKE_HTTPS, FAKE_HTTP, FAKE_CA, FAKE_OTHER_CA and stops the fake on exit;
# fake_ctl COMMAND [ARGS] drives it (tests/fake/ctl.py: fault, knobs, reset, requests, count).

# never a proxy for loopback, never a real Azure setting from the caller's environment
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY ALL_PROXY all_proxy
unset AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_FEDERATED_TOKEN_FILE \
	AZURE_CLIENT_CERTIFICATE_PATH AZURE_AUTHORITY_HOST IDENTITY_ENDPOINT IDENTITY_HEADER \
	IDENTITY_SERVER_THUMBPRINT IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET AZURE_CONFIG_DIR \
	TRAINCTL_ARM_ENDPOINT TRAINCTL_IMDS_ENDPOINT TRAINCTL_PRICES_ENDPOINT TRAINCTL_CA_BUNDLE \
	TRAINCTL_HTTP_RETRIES TRAINCTL_HTTP_RETRY_BASE_MS TRAINCTL_HTTP_RETRY_MAX_MS TRAINCTL_HTTP_TIMEOUT_MS

FAKE_DIR="$T_TMP/fake"

fake_ctl() {
	python3 "$TESTS_SRC/fake/ctl.py" "$FAKE_DIR/ready" "$@"
}

fake_field() {
	python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$FAKE_DIR/ready" "$1"
}

fake_start() {
	mkdir -p "$FAKE_DIR"
	python3 "$TESTS_SRC/fake/run.py" --dir "$FAKE_DIR/tls" --ready "$FAKE_DIR/ready" "$@" \
		>"$FAKE_DIR/log" 2>&1 &
	FAKE_PID=$!
	trap 'kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
	fake_ctl wait 30 || { cat "$FAKE_DIR/log" >&2; return 1; }
	FAKE_HTTPS=$(fake_field https)
	FAKE_HTTP=$(fake_field http)
	FAKE_CA=$(fake_field ca)
	FAKE_OTHER_CA=$(fake_field other_ca)
}

# closed_port: a loopback port nothing listens on
closed_port() {
	python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()"
}
