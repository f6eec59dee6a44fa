"""prices.py: a fake Azure Retail Prices API (GET /api/retail/prices).

Pages follow the documented response format (learn.microsoft.com, "Azure Retail Prices REST
API overview"; ../shared/azure-prices/README.md):

    {"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
     "Items": [ {item}, ... ], "NextPageLink": "https://HOST/api/retail/prices?$filter=...&$skip=N" | null,
     "Count": <items on this page>}

Items carry the documented fields (currencyCode, tierMinimumUnits, retailPrice, unitPrice,
armRegionName, location, effectiveStartDate, meterId, meterName, productId, skuId,
productName, skuName, serviceName, serviceId, serviceFamily, unitOfMeasure, type,
isPrimaryMeterRegion, armSkuName), as the two documentation samples in
../shared/azure-prices/ do. `$filter` accepts what trainctl and the doc examples send:
clauses `field eq 'value'` joined by `and`; `priceType` filters the item's `type`.

Knobs: prices_items (the item list; or --prices-data FILE at start), prices_page_size
(default 100), prices_next_host (write this host:port into NextPageLink instead of ours).

`item(...)` builds one item; `python3 prices.py catalog DATA/catalog.json [FACTOR]` prints
items for every price of a trainctl catalog (normal, Spot and Windows meters), prices
multiplied by FACTOR, so a test can serve a catalog with known changes.
"""
import json
import re
import sys
import urllib.parse
import uuid

from server import Response

FIELDS = {"serviceName", "armRegionName", "armSkuName", "skuName", "meterName", "productName",
          "serviceFamily", "location", "meterId", "skuId", "productId", "serviceId", "type",
          "priceType", "currencyCode"}
CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$")

LOCATIONS = {"eastus": "US East", "eastus2": "US East 2", "westus": "US West", "westus2": "US West 2",
             "westus3": "US West 3", "centralus": "US Central", "northcentralus": "US North Central",
             "southcentralus": "US South Central", "westcentralus": "US West Central",
             "westeurope": "EU West", "northeurope": "EU North"}


def item(sku, region, price, meter="normal", windows=False, type_="Consumption",
         series=None, effective="2026-11-01T00:00:00Z", primary=True, unit="1 Hour"):
    """One Retail Prices item for VM size `sku` ("Standard_NC6s_v3") in `region`.

    meter: "normal", "spot" (skuName/meterName end in " Spot") or "low" (" Low Priority")."""
    short = sku.replace("Standard_", "").replace("_", " ")
    suffix = {"normal": "", "spot": " Spot", "low": " Low Priority"}[meter]
    series = series or re.sub(r"^[A-Z]+\d+", lambda m: re.sub(r"\d+", "", m.group(0)), short).split(" ")[0]
    product = "Virtual Machines %s Series%s" % (series, " Windows" if windows else "")
    return {
        "currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": price, "unitPrice": price,
        "armRegionName": region, "location": LOCATIONS.get(region, region),
        "effectiveStartDate": effective, "meterId": str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%s/%s/%s" % (sku, region, meter, windows))),
        "meterName": short + suffix, "productId": "DZH318Z0FAKE", "skuId": "DZH318Z0FAKE/00" + meter[:2].upper(),
        "productName": product, "skuName": short + suffix, "serviceName": "Virtual Machines",
        "serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute", "unitOfMeasure": unit,
        "type": type_, "isPrimaryMeterRegion": primary, "armSkuName": sku,
    }


def items_from_catalog(catalog, factor=1.0):
    out = []
    for p in catalog.get("prices", []):
        if "dedicated" in p:
            out.append(item(p["size"], p["region"], round(p["dedicated"] * factor, 6)))
            out.append(item(p["size"], p["region"], round(p["dedicated"] * factor * 1.4, 6), windows=True))
        if "low_priority" in p:
            out.append(item(p["size"], p["region"], round(p["low_priority"] * factor, 6), meter="spot"))
    return out


def parse_filter(text):
    """[(field, value)] from an OData $filter of `eq` clauses joined by `and`; ValueError otherwise."""
    if not text:
        return []
    out = []
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.I):
        m = CLAUSE.match(clause)
        if not m or m.group(1) not in FIELDS:
            raise ValueError("unsupported filter clause: %s" % clause)
        out.append(("type" if m.group(1) == "priceType" else m.group(1), m.group(2).replace("''", "'")))
    return out


def retail_prices(req, state):
    try:
        clauses = parse_filter(req.arg("$filter"))
    except ValueError as e:
        return Response.json({"Error": {"Code": "BadRequest", "Message": str(e)}}, 400)
    try:
        skip = int(req.arg("$skip", "0"))
    except ValueError:
        return Response.json({"Error": {"Code": "BadRequest", "Message": "$skip must be an integer"}}, 400)
    items = [i for i in state.knob("prices_items", []) if all(str(i.get(f)) == v for f, v in clauses)]
    size = int(state.knob("prices_page_size", 100))
    page = items[skip:skip + size]
    next_link = None
    if skip + size < len(items):
        host = state.knob("prices_next_host") or req.header("Host")
        query = []
        if req.arg("$filter"):
            query.append("$filter=" + urllib.parse.quote(req.arg("$filter"), safe=""))
        query.append("$skip=%d" % (skip + size))
        next_link = "https://%s%s?%s" % (host, req.path, "&".join(query))
    return Response.json({"BillingCurrency": "USD", "CustomerEntityId": "Default",
                          "CustomerEntityType": "Retail", "Items": page,
                          "NextPageLink": next_link, "Count": len(page)})


def install(https, http, data_file=None):
    if data_file:
        with open(data_file) as f:
            https.state.knobs["prices_items"] = json.load(f)
    https.route("GET", r"^/api/retail/prices$", retail_prices)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "catalog":
        with open(sys.argv[2]) as f:
            cat = json.load(f)
        print(json.dumps(items_from_catalog(cat, float(sys.argv[3]) if len(sys.argv) > 3 else 1.0), indent=1))
    else:
        sys.exit("usage: prices.py catalog CATALOG.json [FACTOR]")
