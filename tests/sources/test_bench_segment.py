"""`bench_segment`: its single-message posts are ordinary HTTP/1.1 posts of the source's key, and
its users each act in one account, as Segment's do."""

from sources.management.commands.bench_segment import bench_group, bench_user, webhook_request


def test_a_webhook_post_on_the_wire_is_a_bearer_authenticated_json_post_of_its_body():
    head, _, body = webhook_request("key-1", 8000, b'{"type": "track"}').partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /ingest/segment/v1/webhook HTTP/1.1"
    assert {"Host: 127.0.0.1:8000", "Authorization: Bearer key-1", "Content-Length: 17",
            "Content-Type: application/json"} <= set(lines)  # fmt: skip
    assert body == b'{"type": "track"}'


def test_each_bench_user_acts_in_one_account_only():
    groups = {}
    for i in range(5000):
        groups.setdefault(bench_user(i), set()).add(bench_group(i, 300))
    assert {len(accounts) for accounts in groups.values()} == {1}


def test_no_webhook_posts_asked_reports_none_sent():
    """`--webhooks 0` times the Segment client alone; it used to divide by zero."""
    from sources.management.commands.bench_segment import Command

    report = Command()._webhook_run({"webhooks": 0}, None, "key", 0, [])
    assert report["posts"] == 0 and report["posts_per_s"] == 0
