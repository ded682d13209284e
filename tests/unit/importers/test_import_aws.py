"""Sessions and errors: standard retry mode on throttling (an injected 429), missing credentials
or region, unknown resources: each a one-line ImportSourceError saying what to set."""
import json

import pytest
from botocore.awsrequest import AWSResponse

from costmodel.cli import main
from costmodel.errors import ImportSourceError
from costmodel.importers.aws import call, make_client, make_session
from handler_harness.infra import DUMMY_AWS_ENV, patched_environ

NO_CREDS = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None,
            "AWS_SECURITY_TOKEN": None, "AWS_PROFILE": None, "AWS_CONFIG_FILE": "/nonexistent/config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None, "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
            "AWS_WEB_IDENTITY_TOKEN_FILE": None, "AWS_DEFAULT_REGION": "us-east-1"}


class _Raw:
    def __init__(self, body):
        self._body = body

    def stream(self, **kwargs):
        yield self._body


def _throttle_first(n, calls):
    """A before-send handler answering the first ``n`` attempts with 429 TooManyRequestsException."""
    def handler(request, **kwargs):
        calls.append(request.url)
        if len(calls) <= n:
            body = json.dumps({"message": "Rate exceeded"}).encode()
            return AWSResponse(request.url, 429, {"x-amzn-ErrorType": "TooManyRequestsException",
                                                  "Content-Type": "application/json"}, _Raw(body))
        return None
    return handler


@pytest.fixture()
def lambda_client(monkeypatch):
    from moto import mock_aws

    sleeps = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", sleeps.append)
    with patched_environ(DUMMY_AWS_ENV), mock_aws():
        session = make_session("us-east-1")
        lam = make_client(session, "lambda", max_attempts=3)
        yield lam, sleeps


def test_standard_retry_mode_retries_throttling_then_succeeds(lambda_client):
    lam, sleeps = lambda_client
    calls = []
    lam.meta.events.register_first("before-send.lambda.ListFunctions", _throttle_first(2, calls))
    out = call(lam, "list_functions")
    assert len(calls) == 3 and out["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(sleeps) == 2 and all(0 <= s <= 20 for s in sleeps)  # jittered exponential backoff, capped
    assert lam.meta.config.retries["mode"] == "standard"


def test_throttled_on_every_attempt_is_one_line_error(lambda_client):
    lam, _ = lambda_client
    calls = []
    lam.meta.events.register_first("before-send.lambda.ListFunctions", _throttle_first(99, calls))
    with pytest.raises(ImportSourceError) as err:
        call(lam, "list_functions")
    assert len(calls) == 3
    msg = str(err.value)
    assert "\n" not in msg and "throttled (TooManyRequestsException) on all 3 attempts" in msg


def test_unknown_resource_names_it(lambda_client):
    lam, _ = lambda_client
    with pytest.raises(ImportSourceError, match="lambda function 'nope' not found"):
        call(lam, "get_function", FunctionName="nope", not_found="lambda function 'nope' not found")


def test_no_credentials_says_what_to_set():
    with patched_environ(NO_CREDS), pytest.raises(ImportSourceError, match="no AWS credentials found; set AWS_PROFILE"):
        make_session("us-east-1")


def test_no_region_says_what_to_set():
    env = dict(DUMMY_AWS_ENV, AWS_DEFAULT_REGION=None, AWS_REGION=None, AWS_CONFIG_FILE="/nonexistent/config")
    with patched_environ(env), pytest.raises(ImportSourceError, match="pass --region"):
        make_session(None)


def test_cli_without_credentials_exits_2_with_one_line(capsys, tmp_path):
    with patched_environ(NO_CREDS):
        code = main(["import", "cloudwatch", "--function", "orders", "-o", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("costmodel import: error: no AWS credentials found")
