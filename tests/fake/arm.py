"""arm.py: a stateful fake of the Azure Resource Manager endpoints of Azure ML that trainctl uses.

Shapes come from ../shared/azure-ml-spec (api-version 2026-09-01; SUMMARY.md): computes
(AmlCompute), jobs (command, sweep, pipeline), code containers and versions with
startPendingUpload, usages, quotas, updateQuotas and vmSizes. Long-running operations answer
as ARM does (Azure-AsyncOperation / Location monitors plus Retry-After, from the ARM async
operations guide). The tests do not trust this file's idea of the schema: every exchange is
recorded and checked with `oav validate-traffic` against the spec.

Every route needs ?api-version=2026-09-01 and a live ARM bearer token from the aad fake
(state.tokens), as ARM does (401 ExpiredAuthenticationToken for an expired one).

Knobs (POST /knobs on the control listener):
  arm_lro_polls        monitor polls that answer InProgress before Succeeded (default 1)
  arm_retry_after      Retry-After seconds on operation answers (default 0)
  job_statuses         statuses a new job walks through, one per GET
                       (default ["Queued", "Preparing", "Running", "Completed"])
  preempt_next         the next N jobs on a LowPriority cluster are preempted once running:
                       status Failed, and the cluster's nodeStateCounts.preemptedNodeCount set
  quota_exhausted      a VM family name ("standardDSv3Family") whose vCPUs are all in use,
                       or "lowPriorityCores"
  family_limit         subscription vCPU limit of every family (default 48)
  dedicated_limit      the region's dedicated vCPUs (default 200); low_priority_limit (default 100)
  page_size            items per list page (default 50): more give nextLink pages
  azurite              {"url": "https://127.0.0.1:P/devstoreaccount1", "ca": PATH}: where
                       startPendingUpload points (a container created on demand, a service SAS)
  catalog              path of a catalog.json whose sizes and prices vmSizes lists (set by run.py)
"""
import json
import re
import threading
import time
import urllib.parse
import uuid

from server import Response

API_VERSION = "2026-09-01"
PROV = "Microsoft.MachineLearningServices"
WS = r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.MachineLearningServices/workspaces/(?P<ws>[^/]+)"
LOC = r"^/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.MachineLearningServices/locations/(?P<loc>[^/]+)"

_lock = threading.RLock()
_db = {}


def reset():
    with _lock:
        _db.clear()
        _db.update({"computes": {}, "jobs": {}, "codes": {}, "versions": {}, "ops": {},
                    "quotas": {}, "job_order": []})


reset()


def snapshot():
    """The fake's state as JSON-able data (for the tests' "the ledger agrees with the fake")."""
    with _lock:
        return {"computes": {k: v["res"] for k, v in _db["computes"].items()},
                "jobs": {k: {"status": v["res"]["properties"].get("status"),
                             "jobType": v["res"]["properties"].get("jobType"),
                             "computeId": v["res"]["properties"].get("computeId"),
                             "tags": v["res"]["properties"].get("tags"),
                             "puts": v["puts"]} for k, v in _db["jobs"].items()},
                "codes": sorted(_db["codes"]),
                "versions": {"%s/%s" % k: v["properties"].get("codeUri") for k, v in _db["versions"].items()},
                "quotas": dict(_db["quotas"])}


# ---- helpers ----

def _err(status, code, message):
    return Response.json({"error": {"code": code, "message": message}}, status)


def _base(req):
    parts = urllib.parse.urlsplit(req.url)
    return "%s://%s" % (parts.scheme, parts.netloc)


def _guard(req, state):
    """None when the request may go on; else the error Response ARM would send."""
    denied = state.tokens.check(req, _base(req))
    if denied:
        return denied
    if req.arg("api-version") != API_VERSION:
        return _err(400, "InvalidApiVersionParameter",
                    "The api-version '%s' is invalid. The supported versions are '%s'." % (req.arg("api-version"), API_VERSION))
    return None


def _body(req):
    try:
        return req.json()
    except ValueError:
        return None


def _knob(state, name, default):
    v = state.knob(name, default)
    return default if v is None else v


def _page(req, state, items):
    size = int(_knob(state, "page_size", 50))
    skip = int(req.arg("$skip", "0") or 0)
    out = {"value": items[skip:skip + size]}
    if skip + size < len(items):
        q = dict(urllib.parse.parse_qsl(req.raw_query))
        q["$skip"] = str(skip + size)
        out["nextLink"] = "%s%s?%s" % (_base(req), req.path, urllib.parse.urlencode(q))
    return Response.json(out)


def _ws_id(m):
    return "/subscriptions/%s/resourceGroups/%s/providers/%s/workspaces/%s" % (m["sub"], m["rg"], PROV, m["ws"])


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _op(req, state, location, on_done, kind="monitor"):
    """Start an operation; returns its monitor URL. on_done() runs when it succeeds."""
    op_id = str(uuid.uuid4())
    with _lock:
        _db["ops"][op_id] = {"left": int(_knob(state, "arm_lro_polls", 1)), "done": on_done,
                             "status": "InProgress", "start": _now()}
    what = "mfeOperationsStatus" if kind == "monitor" else "mfeOperationResults"
    return "%s/subscriptions/%s/providers/%s/locations/%s/%s/%s?api-version=%s" % (
        _base(req), req.path.split("/")[2], PROV, location, what, op_id, API_VERSION)


def _op_headers(state, monitor=None, location=None):
    h = {"Retry-After": str(int(_knob(state, "arm_retry_after", 0)))}
    if monitor:
        h["Azure-AsyncOperation"] = monitor
    if location:
        h["Location"] = location
    return h


def _advance(op_id):
    with _lock:
        op = _db["ops"].get(op_id)
        if not op:
            return None
        if op["status"] == "InProgress":
            if op["left"] <= 0:
                op["status"] = "Succeeded"
                op["done"]()
            else:
                op["left"] -= 1
        return op


def op_status(req, state):
    denied = _guard(req, state)
    if denied:
        return denied
    op_id = req.path.rsplit("/", 1)[1]
    op = _advance(op_id)
    if not op:
        return _err(404, "NotFound", "no operation %s" % op_id)
    body = {"id": req.path, "name": op_id, "status": op["status"], "startTime": op["start"]}
    if op["status"] != "InProgress":
        body["endTime"] = _now()
    return Response.json(body, 200, {"Retry-After": str(int(_knob(state, "arm_retry_after", 0)))})


def op_result(req, state):
    denied = _guard(req, state)
    if denied:
        return denied
    op = _advance(req.path.rsplit("/", 1)[1])
    if not op:
        return _err(404, "NotFound", "no such operation")
    if op["status"] == "InProgress":
        return Response(202, b"", {"Retry-After": str(int(_knob(state, "arm_retry_after", 0))),
                                   "Location": req.url})
    return Response(200, b"", {})


# ---- computes ----

def _compute_view(c):
    res = json.loads(json.dumps(c["res"]))
    aml = res["properties"].setdefault("properties", {})
    aml["currentNodeCount"] = 0
    aml["targetNodeCount"] = 0
    aml["allocationState"] = "Steady"
    aml["nodeStateCounts"] = {"idleNodeCount": 0, "runningNodeCount": 0, "preparingNodeCount": 0,
                              "unusableNodeCount": 0, "leavingNodeCount": 0,
                              "preemptedNodeCount": c.get("preempted", 0)}
    return res


def compute_get(req, state, m):
    with _lock:
        c = _db["computes"].get(m["name"])
        if not c:
            return _err(404, "ResourceNotFound", "The Resource '%s/workspaces/%s/computes/%s' under resource group '%s' was not found." % (PROV, m["ws"], m["name"], m["rg"]))
        return Response.json(_compute_view(c))


def compute_list(req, state, m):
    with _lock:
        items = [_compute_view(c) for _, c in sorted(_db["computes"].items())]
    return _page(req, state, items)


def compute_put(req, state, m):
    body = _body(req)
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return _err(400, "BadRequest", "The request body is not a ComputeResource.")
    name = m["name"]
    loc = body.get("location") or "eastus"
    res = {"id": "%s/computes/%s" % (_ws_id(m), name), "name": name,
           "type": "%s/workspaces/computes" % PROV, "location": loc,
           "tags": body.get("tags") or {},
           "properties": dict(body["properties"])}
    res["properties"]["provisioningState"] = "Creating"
    res["properties"]["createdOn"] = _now()
    res["properties"]["modifiedOn"] = _now()
    res["properties"]["isAttachedCompute"] = False
    with _lock:
        existed = name in _db["computes"]
        _db["computes"][name] = {"res": res, "preempted": 0}

    def done():
        res["properties"]["provisioningState"] = "Succeeded"

    monitor = _op(req, state, loc, done)
    return Response.json(_compute_view(_db["computes"][name]), 200 if existed else 201,
                         _op_headers(state, monitor=monitor))


def compute_patch(req, state, m):
    body = _body(req) or {}
    scale = (((body.get("properties") or {}).get("properties") or {}).get("scaleSettings"))
    with _lock:
        c = _db["computes"].get(m["name"])
        if not c:
            return _err(404, "ResourceNotFound", "no compute %s" % m["name"])
        if not isinstance(scale, dict):
            return _err(400, "BadRequest", "properties.properties.scaleSettings is required")
        aml = c["res"]["properties"].setdefault("properties", {})
        aml["scaleSettings"] = dict(scale)
        c["res"]["properties"]["provisioningState"] = "Updating"
        c["res"]["properties"]["modifiedOn"] = _now()
        loc = c["res"]["location"]

    def done():
        c["res"]["properties"]["provisioningState"] = "Succeeded"

    monitor = _op(req, state, loc, done)
    location = _op(req, state, loc, lambda: None, "result")
    return Response.json(_compute_view(c), 200, _op_headers(state, monitor=monitor, location=location))


# ---- jobs ----

def _compute_of(job_props):
    cid = job_props.get("computeId") or ""
    if job_props.get("jobType") == "Pipeline":
        cid = cid or ((job_props.get("settings") or {}).get("default_compute") or "")
        for node in (job_props.get("jobs") or {}).values():
            if isinstance(node, dict) and node.get("compute"):
                cid = cid or node["compute"]
    return cid.rsplit("/", 1)[-1] if cid else None


def _take_preemption(state):
    with state._lock:
        n = int(state.knobs.get("preempt_next") or 0)
        if n > 0:
            state.knobs["preempt_next"] = n - 1
        return n > 0


def job_put(req, state, m):
    body = _body(req)
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict) or not props.get("jobType"):
        return _err(400, "BadRequest", "The request body is not a JobBase.")
    name = m["name"]
    with _lock:
        j = _db["jobs"].get(name)
        if j:   # an update: the tags sent replace the job's tags (SPEC, Jobs_CreateOrUpdate)
            j["puts"] += 1
            j["res"]["properties"]["tags"] = props.get("tags") or {}
            return Response.json(j["res"], 200)
        compute = _compute_of(props)
        c = _db["computes"].get(compute) if compute else None
        if compute and not c:
            return _err(400, "UserError", "Compute '%s' not found in the workspace." % compute)
        steps = list(_knob(state, "job_statuses", ["Queued", "Preparing", "Running", "Completed"]))
        low = c and ((c["res"]["properties"].get("properties") or {}).get("vmPriority") == "LowPriority")
        preempt = False
        if low and _take_preemption(state):
            steps = ["Queued", "Preparing", "Running", "Failed"]
            preempt = True
        res = {"id": "%s/jobs/%s" % (_ws_id(m), name), "name": name,
               "type": "%s/workspaces/jobs" % PROV, "properties": dict(props)}
        res["properties"]["status"] = "NotStarted"
        res["properties"].setdefault("experimentName", "Default")
        res["properties"]["services"] = {"Studio": {"jobServiceType": "Studio", "endpoint": "https://ml.azure.com/runs/%s" % name}}
        _db["jobs"][name] = {"res": res, "steps": steps, "i": 0, "puts": 1, "compute": compute,
                             "preempt": preempt}
        _db["job_order"].append(name)
    return Response.json(res, 201)


def _step(j):
    props = j["res"]["properties"]
    if props["status"] in ("Completed", "Failed", "Canceled", "CancelRequested"):
        return
    if j["i"] < len(j["steps"]):
        props["status"] = j["steps"][j["i"]]
        j["i"] += 1
    c = _db["computes"].get(j["compute"]) if j["compute"] else None
    if c and props["status"] == "Running":
        c["preempted"] = 0   # a job running again: the earlier preemption is history
    if c and j["preempt"] and props["status"] == "Failed":
        c["preempted"] = int(props.get("resources", {}).get("instanceCount", 1) or 1)


def job_get(req, state, m):
    with _lock:
        j = _db["jobs"].get(m["name"])
        if not j:
            return _err(404, "UserError", "Job %s not found." % m["name"])
        _step(j)
        return Response.json(j["res"])


def job_list(req, state, m):
    with _lock:
        items = [_db["jobs"][n]["res"] for n in _db["job_order"]]
    return _page(req, state, items)


def job_cancel(req, state, m):
    with _lock:
        j = _db["jobs"].get(m["name"])
        if not j:
            return _err(404, "UserError", "Job %s not found." % m["name"])
        props = j["res"]["properties"]
        if props["status"] in ("Completed", "Failed", "Canceled"):
            return Response(200, b"", {})
        props["status"] = "CancelRequested"

    def done():
        props["status"] = "Canceled"

    loc = _op(req, state, "eastus", done, "result")
    return Response(202, b"", _op_headers(state, location=loc))


# ---- code ----

def code_put(req, state, m):
    body = _body(req)
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return _err(400, "BadRequest", "The request body is not a CodeContainer.")
    with _lock:
        existed = m["name"] in _db["codes"]
        res = {"id": "%s/codes/%s" % (_ws_id(m), m["name"]), "name": m["name"],
               "type": "%s/workspaces/codes" % PROV, "properties": dict(body["properties"])}
        res["properties"]["provisioningState"] = "Succeeded"
        _db["codes"][m["name"]] = res
    return Response.json(res, 200 if existed else 201)


def code_get(req, state, m):
    with _lock:
        res = _db["codes"].get(m["name"])
    return Response.json(res) if res else _err(404, "UserError", "Code container %s not found." % m["name"])


def version_get(req, state, m):
    with _lock:
        res = _db["versions"].get((m["name"], m["version"]))
    if not res:
        return _err(404, "UserError", "Code version %s:%s not found." % (m["name"], m["version"]))
    return Response.json(res)


def version_put(req, state, m):
    body = _body(req)
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return _err(400, "BadRequest", "The request body is not a CodeVersion.")
    with _lock:
        if m["name"] not in _db["codes"]:
            return _err(404, "UserError", "Code container %s not found." % m["name"])
        key = (m["name"], m["version"])
        existed = key in _db["versions"]
        res = {"id": "%s/codes/%s/versions/%s" % (_ws_id(m), m["name"], m["version"]),
               "name": m["version"], "type": "%s/workspaces/codes/versions" % PROV,
               "properties": dict(body["properties"])}
        res["properties"]["provisioningState"] = "Succeeded"
        _db["versions"][key] = res
    return Response.json(res, 200 if existed else 201)


def version_list(req, state, m):
    want = req.arg("hash")
    with _lock:
        items = [v for (n, _), v in sorted(_db["versions"].items()) if n == m["name"] and
                 (not want or (v["properties"].get("properties") or {}).get("trainctl.content_hash") == want)]
    return _page(req, state, items)


def pending_upload(req, state, m):
    import azurite
    body = _body(req) or {}
    az = state.knob("azurite")
    if not az:
        return _err(500, "FakeMisconfigured", "knob 'azurite' is not set")
    container = "code-%s" % re.sub(r"[^a-z0-9]", "", m["sub"].lower())[:20]
    azurite.create_container(az["url"], container, az["ca"])
    upload_id = body.get("pendingUploadId") or str(uuid.uuid4())
    folder = "LocalUpload/%s/%s" % (upload_id, m["version"][:16])
    blob_uri = "%s/%s/%s" % (az["url"], container, folder)
    sas = azurite.container_sas(container)
    return Response.json({"pendingUploadId": upload_id, "pendingUploadType": "TemporaryBlobReference",
                          "blobReferenceForConsumption": {
                              "blobUri": blob_uri,
                              "storageAccountArmId": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s" % (m["sub"], m["rg"], azurite.ACCOUNT),
                              "credential": {"credentialType": "SAS",
                                             "sasUri": "%s/%s?%s" % (az["url"], container, sas)}}})


# ---- usages, quotas, VM sizes ----

def _catalog(state):
    path = state.knob("catalog")
    if not path:
        return {"vm_sizes": [], "prices": []}
    with open(path) as f:
        return json.load(f)


def _core(family):
    """"standardNCASv3_T4Family" -> "NCASv3_T4" (the usages' spelling)."""
    core = family[8:] if family.lower().startswith("standard") else family
    return core[:-6] if core.endswith("Family") else core


def _families(state):
    return sorted(set(s["family"] for s in _catalog(state)["vm_sizes"]))


def _used(state, family):
    """vCPUs in use: the exhausted family has all of them, others none."""
    limit = int(_knob(state, "family_limit", 48))
    return limit if state.knob("quota_exhausted") == family else 0


def usages(req, state, m):
    sub = "/subscriptions/%s" % m["sub"]
    fam_limit = int(_knob(state, "family_limit", 48))
    ded = int(_knob(state, "dedicated_limit", 200))
    low = int(_knob(state, "low_priority_limit", 100))
    low_used = low if state.knob("quota_exhausted") == "lowPriorityCores" else 0
    items = [
        {"id": sub + "/usages", "amlWorkspaceLocation": m["loc"],
         "type": "%s/totalCores/usages" % PROV, "currentValue": 0, "limit": 100,
         "name": {"value": "Clusters", "localizedValue": "Clusters"}, "unit": "Count"},
        {"id": sub + "/usages", "amlWorkspaceLocation": m["loc"],
         "type": "%s/dedicatedCores/usages" % PROV,
         "currentValue": sum(_used(state, f) for f in _families(state)), "limit": ded,
         "name": {"value": "Total Cluster Dedicated Regional vCPUs",
                  "localizedValue": "Total Cluster Dedicated Regional vCPUs"}, "unit": "Count"},
        {"id": sub + "/usages", "amlWorkspaceLocation": m["loc"],
         "type": "%s/lowPriorityCores/usages" % PROV, "currentValue": low_used, "limit": low,
         "name": {"value": "Total Cluster LowPriority Regional vCPUs",
                  "localizedValue": "Total Cluster LowPriority Regional vCPUs"}, "unit": "Count"},
    ]
    for f in _families(state):
        label = "Standard %s Family Cluster Dedicated vCPUs" % _core(f)
        ident = "Standard_%s_Family_Cluster_Dedicated_vCPUs" % _core(f)
        items.append({"id": "%s/usages/%s" % (sub, ident), "amlWorkspaceLocation": m["loc"],
                      "type": "%s/vmFamily/usages" % PROV, "currentValue": _used(state, f),
                      "limit": fam_limit, "name": {"value": label, "localizedValue": label},
                      "unit": "Count"})
        # a workspace with its own quota for the family reports its use of it too (as in the
        # spec's Usage/list.json example: type workspaces/usages, id under the workspace)
        with _lock:
            capped = [(q, l) for q, l in _db["quotas"].items() if q.endswith("/quotas/" + ident)]
        for qid, limit in capped:
            ws_id = qid.rsplit("/quotas/", 1)[0]
            items.append({"id": "%s/usages/%s" % (ws_id, ident), "amlWorkspaceLocation": m["loc"],
                          "type": "%s/workspaces/usages" % PROV,
                          "currentValue": min(_used(state, f), limit), "limit": limit,
                          "name": {"value": label, "localizedValue": label}, "unit": "Count"})
    return _page(req, state, items)


def quotas(req, state, m):
    sub = "/subscriptions/%s" % m["sub"]
    fam_limit = int(_knob(state, "family_limit", 48))
    items = []
    for f in _families(state):
        label = "Standard %s Family Cluster Dedicated vCPUs" % _core(f)
        ident = "Standard_%s_Family_Cluster_Dedicated_vCPUs" % _core(f)
        items.append({"id": "%s/quotas/%s" % (sub, ident), "amlWorkspaceLocation": m["loc"],
                      "type": "%s/vmFamily/quotas" % PROV, "limit": fam_limit,
                      "name": {"value": label, "localizedValue": label}, "unit": "Count"})
    with _lock:
        for qid, limit in sorted(_db["quotas"].items()):
            ident = qid.rsplit("/", 1)[1]
            label = ident.replace("_", " ")
            items.append({"id": qid, "amlWorkspaceLocation": m["loc"],
                          "type": "%s/workspaces/quotas" % PROV, "limit": limit,
                          "name": {"value": label, "localizedValue": label}, "unit": "Count"})
    return _page(req, state, items)


def update_quotas(req, state, m):
    body = _body(req)
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        return _err(400, "BadRequest", "The request body is not QuotaUpdateParameters.")
    fam_limit = int(_knob(state, "family_limit", 48))
    out = []
    for q in body["value"]:
        limit = int(q.get("limit", 0))
        status = "Success"
        if limit > fam_limit:
            status = "InvalidQuotaExceedsSubscriptionLimit"
        elif "/workspaces/" not in (q.get("id") or ""):
            status = "Failure"
        else:
            with _lock:
                _db["quotas"][q["id"]] = limit
        out.append({"id": q.get("id"), "type": q.get("type"), "limit": limit, "unit": "Count",
                    "status": status})
    return Response.json({"value": out})


def vm_sizes(req, state, m):
    cat = _catalog(state)
    prices = {(p["size"], p["region"]): p for p in cat["prices"]}
    out = []
    for s in cat["vm_sizes"]:
        vm = {"name": s["name"], "family": s["family"], "vCPUs": s["vcpus"], "gpus": s.get("gpus", 0),
              "osVhdSizeMB": 1047552, "maxResourceVolumeMB": 344064,
              "memoryGB": float(s["memory_gib"]), "lowPriorityCapable": True, "premiumIO": True,
              "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]}
        p = prices.get((s["name"], m["loc"]))
        if p:
            factor = float(_knob(state, "price_factor", 1.0))
            values = [{"retailPrice": round(p["dedicated"] * factor, 6), "osType": "Linux", "vmTier": "Standard"}]
            if p.get("low_priority") is not None and p["low_priority"] >= 0:
                values.append({"retailPrice": round(p["low_priority"] * factor, 6), "osType": "Linux", "vmTier": "LowPriority"})
            vm["estimatedVMPrices"] = {"billingCurrency": "USD", "unitOfMeasure": "OneHour", "values": values}
        out.append(vm)
    return Response.json({"value": out})


# ---- routing ----

ROUTES = [
    ("GET", WS + r"/computes$", compute_list),
    ("GET", WS + r"/computes/(?P<name>[^/]+)$", compute_get),
    ("PUT", WS + r"/computes/(?P<name>[^/]+)$", compute_put),
    ("PATCH", WS + r"/computes/(?P<name>[^/]+)$", compute_patch),
    ("GET", WS + r"/jobs$", job_list),
    ("GET", WS + r"/jobs/(?P<name>[^/]+)$", job_get),
    ("PUT", WS + r"/jobs/(?P<name>[^/]+)$", job_put),
    ("POST", WS + r"/jobs/(?P<name>[^/]+)/cancel$", job_cancel),
    ("GET", WS + r"/codes/(?P<name>[^/]+)$", code_get),
    ("PUT", WS + r"/codes/(?P<name>[^/]+)$", code_put),
    ("GET", WS + r"/codes/(?P<name>[^/]+)/versions$", version_list),
    ("GET", WS + r"/codes/(?P<name>[^/]+)/versions/(?P<version>[^/]+)$", version_get),
    ("PUT", WS + r"/codes/(?P<name>[^/]+)/versions/(?P<version>[^/]+)$", version_put),
    ("POST", WS + r"/codes/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/startPendingUpload$", pending_upload),
    ("GET", LOC + r"/usages$", usages),
    ("GET", LOC + r"/quotas$", quotas),
    ("POST", LOC + r"/updateQuotas$", update_quotas),
    ("GET", LOC + r"/vmSizes$", vm_sizes),
]


def _guarded(fn, rx):
    def handler(req, state):
        denied = _guard(req, state)
        if denied:
            return denied
        return fn(req, state, rx.match(req.path).groupdict())
    return handler


def install(https, http, catalog=None):
    """Add the ARM routes (and the operation monitors) to the HTTPS listener."""
    for method, pattern, fn in ROUTES:
        rx = re.compile(pattern, re.I)
        https.route(method, pattern, _guarded(fn, rx))
    https.route("GET", LOC + r"/mfeOperationsStatus/[^/]+$", op_status)
    https.route("GET", LOC + r"/mfeOperationResults/[^/]+$", op_result)
