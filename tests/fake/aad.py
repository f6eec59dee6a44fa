"""aad.py: fake token endpoints: Entra ID (client secret, workload identity), IMDS, App Service.

Request and response shapes follow azure-identity (Azure SDK for Python) and the Microsoft
identity platform docs (see docs/azure.md for the sources):

  POST /{tenant}/oauth2/v2.0/token          (HTTPS listener; the authority)
       form: client_id, grant_type=client_credentials, scope=<resource>/.default, and either
       client_secret, or client_assertion + client_assertion_type=
       urn:ietf:params:oauth:client-assertion-type:jwt-bearer
       -> {"token_type": "Bearer", "expires_in": N, "ext_expires_in": N, "access_token": "..."}
       errors -> 400/401 {"error": "...", "error_description": "AADSTS...: ..."}
  GET  /metadata/identity/oauth2/token?api-version=2018-02-01&resource=R[&client_id=C]
       header Metadata: true                 (plain-HTTP listener, as the real IMDS)
       -> {"access_token", "expires_in": "N", "expires_on": "EPOCH", "resource", "token_type"}
          (numbers as strings, as IMDS sends them)
  GET  /msi/token?api-version=2019-08-01&resource=R  header X-IDENTITY-HEADER: <secret>
       (App Service style; IDENTITY_ENDPOINT=https://127.0.0.1:PORT/msi/token)

Knobs (POST /knobs on the control listener):
  token_lifetime   seconds a new token lives (default 3600)
  token_prefix     prepended to every token (a marker the secrets tests grep for)
  client_secret    when set, the only client secret accepted
  federated_token  when set, the only client assertion accepted
  imds_identity    false: IMDS answers 400 "no identity assigned" (default true)
  imds_client_ids  list: user-assigned identities IMDS knows (client_id must be one of them)
  identity_header  the X-IDENTITY-HEADER value App Service expects (default "fake-identity-header")
"""
import time

from server import Response

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _aad_error(status, error, description):
    return Response.json({"error": error, "error_description": description,
                          "error_codes": [int(description[6:13]) if description.startswith("AADSTS") else 0],
                          "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())}, status)


def _resource_of(scope):
    return scope[:-len(".default")] if scope.endswith("/.default") else scope


def aad_token(req, state):
    tenant = req.path.split("/")[1]
    if "x-www-form-urlencoded" not in req.header("Content-Type", ""):
        return _aad_error(400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
    form = req.form()
    for field in ("client_id", "grant_type", "scope"):
        if not form.get(field):
            return _aad_error(400, "invalid_request",
                              "AADSTS900144: The request body must contain the following parameter: '%s'." % field)
    if form["grant_type"] != "client_credentials":
        return _aad_error(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
    if not form["scope"].endswith("/.default"):
        return _aad_error(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")
    if "client_secret" in form:
        want = state.knob("client_secret")
        if want is not None and form["client_secret"] != want:
            return _aad_error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
    elif "client_assertion" in form:
        if form.get("client_assertion_type") != JWT_BEARER:
            return _aad_error(400, "invalid_request", "AADSTS700023: Client assertion type is not supported.")
        want = state.knob("federated_token")
        if want is not None and form["client_assertion"].strip() != want.strip():
            return _aad_error(401, "invalid_client", "AADSTS700024: Client assertion is not within its valid time range.")
    else:
        return _aad_error(401, "invalid_client", "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    lifetime = int(state.knob("token_lifetime", 3600))
    token, _ = state.tokens.issue("%s/%s" % (tenant, form["client_id"]), _resource_of(form["scope"]),
                                  lifetime, state.knob("token_prefix", ""))
    return Response.json({"token_type": "Bearer", "expires_in": lifetime,
                          "ext_expires_in": lifetime, "access_token": token})


def imds_token(req, state):
    if req.header("Metadata", "").lower() != "true":
        return Response.json({"error": "invalid_request", "error_description": "Required metadata header not specified"}, 400)
    if req.arg("api-version") != "2018-02-01":
        return Response.json({"error": "invalid_request", "error_description": "Invalid or missing api-version"}, 400)
    resource = req.arg("resource")
    if not resource:
        return Response.json({"error": "invalid_request", "error_description": "Required audience parameter not specified"}, 400)
    if not state.knob("imds_identity", True):
        return Response.json({"error": "invalid_request", "error_description": "Identity not found"}, 400)
    client_id = req.arg("client_id")
    known = state.knob("imds_client_ids")
    if client_id and known is not None and client_id not in known:
        return Response.json({"error": "invalid_request", "error_description": "Identity not found"}, 400)
    lifetime = int(state.knob("token_lifetime", 3600))
    token, exp = state.tokens.issue("msi/%s" % (client_id or "system"), resource, lifetime,
                                    state.knob("token_prefix", ""))
    now = int(time.time())
    return Response.json({"access_token": token, "refresh_token": "", "expires_in": str(lifetime),
                          "expires_on": str(exp), "ext_expires_in": str(lifetime),
                          "not_before": str(now), "resource": resource, "token_type": "Bearer"})


def app_service_token(req, state):
    if req.header("X-IDENTITY-HEADER") != state.knob("identity_header", "fake-identity-header"):
        return Response.json({"statusCode": 401, "message": "Unauthorized: X-IDENTITY-HEADER is missing or wrong"}, 401)
    if req.arg("api-version") != "2019-08-01" or not req.arg("resource"):
        return Response.json({"statusCode": 400, "message": "api-version 2019-08-01 and resource are required"}, 400)
    lifetime = int(state.knob("token_lifetime", 3600))
    token, exp = state.tokens.issue("appservice/%s" % (req.arg("client_id") or "system"),
                                    req.arg("resource"), lifetime, state.knob("token_prefix", ""))
    return Response.json({"access_token": token, "expires_on": str(exp), "resource": req.arg("resource"),
                          "token_type": "Bearer", "client_id": req.arg("client_id") or "00000000-0000-0000-0000-0000000000ms"})


def install(https, http):
    """Add the AAD and App Service routes to the HTTPS listener, IMDS to the plain one."""
    https.route("POST", r"^/[^/]+/oauth2/v2\.0/token$", aad_token)
    https.route("GET", r"^/msi/token$", app_service_token)
    http.route("GET", r"^/metadata/identity/oauth2/token$", imds_token)
