"""Price List responses in the shape AWS returns them, for offline refresh tests.

``GetProducts`` answers ``{"FormatVersion": "aws_v1", "PriceList": [<JSON string>, ...],
"NextToken": ...}``; each string is one product with its terms, compact JSON as AWS sends it
(structure as in the AWS CLI ``pricing get-products`` example output). A bulk offer file
holds the same products keyed by SKU, with ``terms.OnDemand[<sku>][<sku>.<term code>]``.

Prices are the us-east-1 values of ``data/pricing/aws-us-east-1-2026-11-27.yaml`` (Fargate
as the hourly list prices $0.04048 and $0.004445 per vCPU-hour and GB-hour,
``/work/shared/reference/aws-pricing.md`` section 3, and the Windows and storage hourly rates
quoted by third parties). SKUs other than the two Lambda request SKUs from AWS's price list
(GU2ZS9HVP6QTQ7KE, K7BX6567RJ67A2KE) are placeholders in AWS's format, and so are the
Reserved-term prices and the SQS tiers above the first: they exist to be ignored.
Attribute names and values follow public extractions of the offer files (see
``costmodel.prices.catalog``). ``distractor`` products are ones a sloppy match would pick.
"""
from __future__ import annotations

import json

FORMAT = "aws_v1"
VERSION = "20261120163021"
PUBLISHED = "2026-11-20T16:30:21Z"
EFFECTIVE = "2025-10-01T00:00:00Z"
ON_DEMAND = "JRTCKXETXF"
LOCATION = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "EU (Ireland)"}


def _dims(sku, term_code, tiers, unit, what):
    out = {}
    for i, (begin, end, usd) in enumerate(tiers):
        rate = f"{sku}.{term_code}.{'6YS6EN2CT7' if len(tiers) == 1 else 'T' + str(i + 1) + 'RNG7AA2K'}"
        out[rate] = {"unit": unit, "endRange": end, "description": f"${usd} per {unit} for {what}",
                     "appliesTo": [], "rateCode": rate, "beginRange": begin, "pricePerUnit": {"USD": f"{usd:.10f}"}}
    return out


def product(service, sku, family, attrs, tiers, unit, *, region="us-east-1", reserved=(), effective=EFFECTIVE,
            reverse_dims=False):
    """One product as a dict: ``tiers`` is [(beginRange, endRange, usd)], strings for ranges."""
    attributes = {"regionCode": region, "servicecode": service, "location": LOCATION[region],
                  "locationType": "AWS Region", "operation": "", **attrs}
    dims = _dims(sku, ON_DEMAND, tiers, unit, attrs.get("usagetype", sku))
    if reverse_dims:  # AWS does not order dimensions by range
        dims = dict(reversed(list(dims.items())))
    terms = {"OnDemand": {f"{sku}.{ON_DEMAND}": {"priceDimensions": dims, "sku": sku, "effectiveDate": effective,
                                                   "offerTermCode": ON_DEMAND, "termAttributes": {}}}}
    if reserved:
        terms["Reserved"] = {}
        for code, term_attrs, usd in reserved:
            terms["Reserved"][f"{sku}.{code}"] = {
                "priceDimensions": _dims(sku, code, [("0", "Inf", usd)], "Hrs", "reserved instance"),
                "sku": sku, "effectiveDate": effective, "offerTermCode": code, "termAttributes": term_attrs}
    return {"product": {"productFamily": family, "attributes": attributes, "sku": sku}, "serviceCode": service,
            "terms": terms, "version": VERSION, "publicationDate": PUBLISHED}


def as_string(item: dict) -> str:
    """The compact JSON string GetProducts puts in PriceList."""
    return json.dumps(item, separators=(",", ":"))


def _lambda(region="us-east-1", prefix=""):
    f, p = "Serverless", prefix
    gbs = "Lambda-GB-Second"
    return [
        product("AWSLambda", "GU2ZS9HVP6QTQ7KE", f, {"group": "AWS-Lambda-Requests", "usagetype": f"{p}Request",
                "groupDescription": "Invocation call for a Lambda function"},
                [("0", "Inf", 0.0000002)], "Requests", region=region),
        product("AWSLambda", "K7BX6567RJ67A2KE", f, {"group": "AWS-Lambda-Requests-ARM",
                "usagetype": f"{p}Request-ARM"}, [("0", "Inf", 0.0000002)], "Requests", region=region),
        product("AWSLambda", "TG3M4CAGBA3NYQBH", f, {"group": "AWS-Lambda-Duration", "usagetype": f"{p}{gbs}"},
                [("0", "6000000000", 0.0000166667), ("6000000000", "15000000000", 0.0000150000),
                 ("15000000000", "Inf", 0.0000133334)], gbs, region=region, reverse_dims=True),
        product("AWSLambda", "2QVXCAXGVJ2MYQJD", f, {"group": "AWS-Lambda-Duration-ARM", "usagetype": f"{p}{gbs}-ARM"},
                [("0", "7500000000", 0.0000133334), ("7500000000", "18750000000", 0.0000120001),
                 ("18750000000", "Inf", 0.0000106667)], gbs, region=region),
        product("AWSLambda", "BMKCD2ZCEYKTYYCB", f, {"group": "AWS-Lambda-Provisioned-Concurrency",
                "usagetype": f"{p}Lambda-Provisioned-Concurrency"}, [("0", "Inf", 0.0000041667)], gbs, region=region),
        product("AWSLambda", "6K5NH3HGW6KJ9PXZ", f, {"group": "AWS-Lambda-Provisioned-Concurrency-ARM",
                "usagetype": f"{p}Lambda-Provisioned-Concurrency-ARM"}, [("0", "Inf", 0.0000033334)], gbs,
                region=region),
        product("AWSLambda", "R3ZQ9Q5T2X8BDK5E", f, {"group": "AWS-Lambda-Duration-Provisioned",
                "usagetype": f"{p}Lambda-Provisioned-GB-Second"}, [("0", "Inf", 0.0000097222)], gbs, region=region),
        product("AWSLambda", "V8D7M6JMVC3X2G4N", f, {"group": "AWS-Lambda-Duration-Provisioned-ARM",
                "usagetype": f"{p}Lambda-Provisioned-GB-Second-ARM"}, [("0", "Inf", 0.0000077778)], gbs,
                region=region),
        product("AWSLambda", "Q9H2UR7XHWM8T3KA", f, {"group": "AWS-Lambda-Storage-Duration",
                "usagetype": f"{p}Lambda-Storage-GB-Second"}, [("0", "Inf", 0.0000000309)], "GB-Seconds",
                region=region),
        product("AWSLambda", "E2CW8N8NN7QFR3HU", f, {"group": "AWS-Lambda-Storage-Duration-ARM",
                "usagetype": f"{p}Lambda-Storage-GB-Second-ARM"}, [("0", "Inf", 0.0000000309)], "GB-Seconds",
                region=region),
        # distractors: Lambda@Edge requests, and the global free-tier product
        product("AWSLambda", "J6D2QYH3UBP7XH8Y", f, {"group": "AWS-Lambda-Edge-Requests",
                "usagetype": f"{p}Lambda-Edge-Request"}, [("0", "Inf", 0.0000006)], "Requests", region=region),
        product("AWSLambda", "YB3BTX6JCAAGTTVF", f, {"group": "AWS-Lambda-Requests", "usagetype": "Global-Request"},
                [("0", "1000000", 0.0), ("1000000", "Inf", 0.0000002)], "Requests", region=region),
    ]


def _fargate():
    f, h = "Compute", "hours"
    return [
        product("AmazonECS", "8VCNEHQMSCQS4P39", f, {"usagetype": "USE1-Fargate-vCPU-Hours:perCPU", "cputype": "perCPU",
                "tenancy": "Shared"}, [("0", "Inf", 0.04048)], h),
        product("AmazonECS", "PBZ9QGJ5C7UJ4TNW", f, {"usagetype": "USE1-Fargate-GB-Hours", "memorytype": "perGB",
                "tenancy": "Shared"}, [("0", "Inf", 0.004445)], h),
        product("AmazonECS", "XSZ6BY8EEFDJ2TPR", f, {"usagetype": "USE1-Fargate-ARM-vCPU-Hours:perCPU",
                "cpuArchitecture": "ARM", "cputype": "perCPU"}, [("0", "Inf", 0.03238)], h),
        product("AmazonECS", "UNH4HN6K7CQZPX9Q", f, {"usagetype": "USE1-Fargate-ARM-GB-Hours",
                "cpuArchitecture": "ARM", "memorytype": "perGB"}, [("0", "Inf", 0.00356)], h),
        product("AmazonECS", "RF2HQ2DWNBSX6U3B", f, {"usagetype": "USE1-Fargate-Windows-vCPU-Hours:perCPU",
                "operatingSystem": "Windows", "cputype": "perCPU"}, [("0", "Inf", 0.09148)], h),
        product("AmazonECS", "8QD3Y2S6MNFB5K2V", f, {"usagetype": "USE1-Fargate-Windows-GB-Hours",
                "operatingSystem": "Windows", "memorytype": "perGB"}, [("0", "Inf", 0.01005)], h),
        product("AmazonECS", "9D3ZM4HQKX6JGW2E", f, {"usagetype": "USE1-Fargate-Windows-OS-Hours:perCPU",
                "operatingSystem": "Windows", "cputype": "perCPU OS License Fee"}, [("0", "Inf", 0.046)], h),
        product("AmazonECS", "7KPD3AJGY2WRN5QE", f, {"usagetype": "USE1-Fargate-EphemeralStorage-GB-Hours",
                "storagetype": "default"}, [("0", "Inf", 0.000111)], "GB-Hours"),
        # distractor: ECS Anywhere, same family, tiered with a free first tier
        product("AmazonECS", "VUZ4BHN9QP2TY7RD", f, {"usagetype": "USE1-ECS-Anywhere-Instance-hours-WithFree"},
                [("0", "2200", 0.0), ("2200", "Inf", 0.01025)], h),
    ]


def _elb():
    f = "Load Balancer-Application"
    return [
        product("AWSELB", "EHTZ7S5RY9P3Q2WJ", f, {"usagetype": "LoadBalancerUsage", "groupDescription":
                "LoadBalancer hourly usage by Application Load Balancer"}, [("0", "Inf", 0.0225)], "Hrs"),
        product("AWSELB", "P5RXJ8WQ4K7CDN3H", f, {"usagetype": "LCUUsage", "groupDescription":
                "Used Application load balancer capacity units-hr"}, [("0", "Inf", 0.008)], "LCU-Hrs"),
        # distractor: the same usage type on an Outpost
        product("AWSELB", "GQ7E3R9W6ZHT2M4C", f, {"usagetype": "LoadBalancerUsage", "locationType": "AWS Outposts"},
                [("0", "Inf", 0.0)], "Hrs"),
    ]


def _apigateway():
    f = "API Calls"
    return [
        product("AmazonApiGateway", "2ZQ6N3HT6FDKXB9S", f, {"usagetype": "USE1-ApiGatewayRequest",
                "operation": "ApiGatewayRequest"},
                [("0", "333000000", 0.0000035), ("333000000", "1000000000", 0.0000028),
                 ("1000000000", "20000000000", 0.00000238), ("20000000000", "Inf", 0.00000151)], "Requests",
                reverse_dims=True),
        product("AmazonApiGateway", "M6TQ8ZP3UF2WYR7K", f, {"usagetype": "USE1-ApiGatewayHttpRequest",
                "operation": "ApiGatewayHttpApi"},
                [("0", "300000000", 0.000001), ("300000000", "Inf", 0.0000009)], "Requests"),
    ]


def _sqs(queue_type):
    f = "API Request"
    if queue_type == "Standard":
        return [product("AWSQueueService", "A5V4B9BKK4K9EC8K", f, {"queueType": "Standard",
                "usagetype": "USE1-Requests-Tier1", "group": "SQS-APIRequest-Tier1"},
                [("0", "100000000000", 0.0000004), ("100000000000", "200000000000", 0.0000003),
                 ("200000000000", "Inf", 0.00000024)], "Requests")]
    return [product("AWSQueueService", "3QZ7X2S8H5UHYV6D", f, {"queueType": "FIFO (first-in, first-out)",
            "usagetype": "USE1-Requests-FIFO-Tier1", "group": "SQS-APIRequest-Tier1"},
            [("0", "100000000000", 0.0000005), ("100000000000", "200000000000", 0.0000004),
             ("200000000000", "Inf", 0.00000035)], "Requests")]


def _dynamodb():
    f = "Amazon DynamoDB PayPerRequest Throughput"
    return [
        product("AmazonDynamoDB", "CFKX7H2Y8A3T5WQM", f, {"group": "DDB-ReadUnits",
                "usagetype": "USE1-ReadRequestUnits"}, [("0", "Inf", 0.000000125)], "ReadRequestUnits"),
        product("AmazonDynamoDB", "8R5WB2QCN9X4JHZT", f, {"group": "DDB-WriteUnits",
                "usagetype": "USE1-WriteRequestUnits"}, [("0", "Inf", 0.000000625)], "WriteRequestUnits"),
        # distractors: the Standard-IA table class and replicated writes
        product("AmazonDynamoDB", "N4ZC6T9QJ2WBX7KD", f, {"group": "DDB-ReadUnits",
                "usagetype": "USE1-IA-ReadRequestUnits"}, [("0", "Inf", 0.000000155)], "ReadRequestUnits"),
        product("AmazonDynamoDB", "H3KX9B5PQ7TZW2MR", f, {"group": "DDB-WriteUnits",
                "usagetype": "USE1-IA-WriteRequestUnits"}, [("0", "Inf", 0.00000078)], "WriteRequestUnits"),
        product("AmazonDynamoDB", "Z7QW3C8XK5NB2TJH", f, {"group": "DDB-ReplicatedWriteUnits",
                "usagetype": "USE1-ReplWriteRequestUnits"}, [("0", "Inf", 0.000000625)], "ReplicatedWriteRequestUnits"),
    ]


def _cloudwatch(family):
    if family == "Data Payload":
        return [
            product("AmazonCloudWatch", "BW7Q2ZK9XM4T8CHN", family, {"usagetype": "USE1-DataProcessing-Bytes",
                    "group": "Ingested Logs"}, [("0", "Inf", 0.5)], "GB"),
            product("AmazonCloudWatch", "YT4N8C2KQW6ZB9XR", family, {"usagetype": "USE1-DataScanned-Bytes",
                    "group": "Logs Insights"}, [("0", "Inf", 0.005)], "GB"),
        ]
    return [product("AmazonCloudWatch", "K2X9W7QT5BZC3NHM", family, {"usagetype": "USE1-TimedStorage-ByteHrs",
            "group": "Stored Logs"}, [("0", "Inf", 0.03)], "GB-Mo")]


def _nat():
    f = "NAT Gateway"
    return [
        product("AmazonEC2", "M2YSHUBETB3JX4M4", f, {"usagetype": "NatGateway-Hours", "operation": "NatGateway",
                "group": "NGW:NatGateway"}, [("0", "Inf", 0.045)], "Hrs"),
        product("AmazonEC2", "Q9PWFZ3E4BJ5YXR2", f, {"usagetype": "NatGateway-Bytes", "operation": "NatGateway",
                "group": "NGW:NatGateway"}, [("0", "Inf", 0.045)], "GB"),
    ]


def _vpc():
    return [
        product("AmazonVPC", "5BM8WQ3XZ7K2TCNH", "VPC Public IPv4 Address",
                {"usagetype": "USE1-PublicIPv4:InUseAddress", "group": "VPCPublicIPv4Address"},
                [("0", "Inf", 0.005)], "Hrs"),
        product("AmazonVPC", "8HC2X4ZQ9WJ7BTMK", "VPC Public IPv4 Address",
                {"usagetype": "USE1-PublicIPv4:IdleAddress", "group": "VPCPublicIPv4Address"},
                [("0", "Inf", 0.005)], "Hrs"),
        product("AmazonVPC", "T6NQ2K8WZB5XC3JH", "VpcEndpoint", {"usagetype": "USE1-VpcEndpoint-Hours"},
                [("0", "Inf", 0.01)], "Hrs"),
    ]


def _data_transfer():
    base = {"fromLocation": "US East (N. Virginia)", "fromLocationType": "AWS Region", "fromRegionCode": "us-east-1",
            "servicecode": "AWSDataTransfer"}
    out = product("AWSDataTransfer", "GFB6Y4ZJ3MRXTN7K", "Data Transfer",
                  {**base, "toLocation": "External", "toLocationType": "Other", "transferType": "AWS Outbound",
                   "usagetype": "USE1-DataTransfer-Out-Bytes"},
                  [("0", "10240", 0.09), ("10240", "51200", 0.085), ("51200", "153600", 0.07), ("153600", "Inf", 0.05)],
                  "GB")
    inter = product("AWSDataTransfer", "KX3Q8T5ZWN2BYC7M", "Data Transfer",
                    {**base, "toLocation": "US West (Oregon)", "transferType": "InterRegion Outbound",
                     "usagetype": "USE1-USW2-AWS-Out-Bytes"}, [("0", "Inf", 0.02)], "GB")
    for item in (out, inter):  # data transfer products carry from/to, not regionCode
        for k in ("regionCode", "location", "locationType"):
            item["product"]["attributes"].pop(k)
    return [out, inter]


#: (instance type, vCPU, memory, on-demand USD per hour) as in the shipped price file
EC2 = [("m7g.large", 2, 8, 0.0816), ("m7g.xlarge", 4, 16, 0.1632), ("m7i.large", 2, 8, 0.1008), ("m6i.large", 2, 8, 0.096),
       ("c7g.large", 2, 4, 0.0725), ("t4g.small", 2, 2, 0.0168), ("t4g.medium", 2, 4, 0.0336),
       ("t3.medium", 2, 4, 0.0416), ("m7i.xlarge", 4, 16, 0.2016), ("c7i.large", 2, 4, 0.08925),
       ("m6g.large", 2, 8, 0.077), ("t3.small", 2, 2, 0.0208)]
RESERVED = [("4NA7Y494T4", {"LeaseContractLength": "1yr", "OfferingClass": "standard", "PurchaseOption": "No Upfront"},
             0.0515),
            ("38NPMPTW36", {"LeaseContractLength": "3yr", "OfferingClass": "standard",
                            "PurchaseOption": "Partial Upfront"}, 0.0148)]


def _ec2(instance_type):
    rows = [r for r in EC2 if r[0] == instance_type]
    name, vcpu, mem, usd = rows[0]
    sku = ("EC2" + name.replace(".", "").upper() + "Q7Z4W9K2X")[:16]
    attrs = {"instanceType": name, "vcpu": str(vcpu), "memory": f"{mem} GiB", "operatingSystem": "Linux",
             "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used",
             "licenseModel": "No License required", "usagetype": f"BoxUsage:{name}", "operation": "RunInstances",
             "marketoption": "OnDemand"}
    out = [product("AmazonEC2", sku, "Compute Instance", attrs, [("0", "Inf", usd)], "Hrs", reserved=RESERVED)]
    if name == "m7g.large":  # distractor the API filter would drop: same type, capacity-reservation SKU
        out.append(product("AmazonEC2", "EC2M7GUNUSEDCR42", "Compute Instance",
                           {**attrs, "capacitystatus": "UnusedCapacityReservation",
                            "usagetype": "UnusedBox:m7g.large"}, [("0", "Inf", 0.0816)], "Hrs"))
    return out


def products_for(service_code: str, filters: dict) -> list[dict]:
    """The us-east-1 products GetProducts returns for one query of the refresh."""
    family = filters.get("productFamily")
    if service_code == "AWSLambda":
        return _lambda()
    if service_code == "AmazonECS":
        return _fargate()
    if service_code == "AWSELB":
        return _elb()
    if service_code == "AmazonApiGateway":
        return _apigateway()
    if service_code == "AWSQueueService":
        return _sqs("Standard" if filters["queueType"] == "Standard" else "FIFO")
    if service_code == "AmazonDynamoDB":
        return _dynamodb()
    if service_code == "AmazonCloudWatch":
        return _cloudwatch(family)
    if service_code == "AmazonVPC":
        return _vpc()
    if service_code == "AWSDataTransfer":
        return _data_transfer()
    if service_code == "AmazonEC2" and family == "NAT Gateway":
        return _nat()
    if service_code == "AmazonEC2" and family == "Compute Instance":
        return _ec2(filters["instanceType"])
    return []


def pages(items: list[dict], page_size: int) -> list[dict]:
    """GetProducts responses of at most ``page_size`` products, chained by NextToken."""
    chunks = [items[i:i + page_size] for i in range(0, len(items), page_size)] or [[]]
    out = []
    for n, chunk in enumerate(chunks):
        response = {"FormatVersion": FORMAT, "PriceList": [as_string(i) for i in chunk]}
        if n + 1 < len(chunks):
            response["NextToken"] = f"page-{n + 2}-token=="
        out.append(response)
    return out


def offer_file(service_code: str, items: list[dict]) -> dict:
    """The same products as a bulk offer file (``index.json``)."""
    products, on_demand, reserved = {}, {}, {}
    for item in items:
        sku = item["product"]["sku"]
        products[sku] = item["product"]
        on_demand[sku] = item["terms"]["OnDemand"]
        if "Reserved" in item["terms"]:
            reserved[sku] = item["terms"]["Reserved"]
    terms = {"OnDemand": on_demand}
    if reserved:
        terms["Reserved"] = reserved
    return {"formatVersion": "v1.0", "disclaimer": "This pricing list is for informational purposes only.",
            "offerCode": service_code, "version": VERSION, "publicationDate": PUBLISHED,
            "products": products, "terms": terms}


def lambda_products(region: str, prefix: str) -> list[dict]:
    """Lambda products of another region (same prices, the region's usage-type prefix)."""
    return _lambda(region=region, prefix=prefix)
