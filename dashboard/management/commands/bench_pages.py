"""Server time of the book, portfolio, /my-work/, team, roadmap, lens and playbook pages and of the
API's current-health list, through Django's test client (no network)."""

import json
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, Team
from accounts.roles import Role
from accounts.selectors import user_is_vp
from health.management.commands.bench_scoring import steady_state_ensure
from health.management.commands.bench_scoring import timed as timed_call
from health.services import score_accounts

LENS_PAGES = (  # name in the summary, URL a VP opens
    ("sales", "/sales/"),
    ("sales_deals", "/sales/deals/"),
    ("terms", "/terms/"),
    ("terms_accounts", "/terms/accounts/?standard=0"),
    ("playbooks", "/playbooks/"),
)

# Pages a VP opens in the morning whose figures the scoring run computed: timed on their first
# request after the run, before anything else asked for them.
FIRST_AFTER_RUN = (("sales", "/sales/"), ("terms", "/terms/"), ("forecast", "/forecast/"))


def timed(client, url, runs):
    client.get(url)  # warm caches and connections
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(times), queries


def _roadmap_client(vp) -> Client:
    """The Product lens as a product manager sees it (the VP's, when there is none)."""
    pm = get_user_model().objects.filter(groups__name=Role.PRODUCT).order_by("pk").first()
    client = Client()
    client.force_login(pm or vp)
    return client


class Command(BaseCommand):
    help = (
        "Measure median server time of a CSM's book (the CSM whose active book is closest to "
        "--book-size), of the VP portfolio page and of the Product lens (/roadmap/, as a product "
        "manager, else the VP). A demo database seeded before books scaled "
        "with portfolio size has 8 CSMs of ~12,500 accounts each; run "
        "`manage.py spread_demo_books` once to give it ~300-account books first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument(
            "--book-size", type=int, default=300, help="Pick the CSM closest to it."
        )
        parser.add_argument(
            "--history-days", type=int, default=30,
            help="Nightly runs of score history written first (0: none); then the portfolio is "
            "scored once and the VP's first portfolio request after that run is timed.",
        )  # fmt: skip

    def handle(self, *args, runs, book_size, history_days, **options):
        vp = next(u for u in get_user_model().objects.filter(groups__name="vp") if user_is_vp(u))
        vp_client = Client()
        vp_client.force_login(vp)
        time_first_request = self._after_scoring_run(history_days, vp_client)
        books = Account.objects.exclude(outcome="churned").values("csm").annotate(n=Count("pk"))
        csm_id, size = min(((b["csm"], b["n"]) for b in books), key=lambda b: abs(b[1] - book_size))
        csm = Account.objects.filter(csm_id=csm_id).first().csm
        csm_client = Client()
        csm_client.force_login(csm)
        book_s, book_q = timed(csm_client, "/", runs)
        page2_s, _ = timed(csm_client, "/?sort=arr&dir=desc&page=2", runs)
        first_after_run_s = time_first_request(vp_client)
        firsts = {
            f"{name}_first_after_run_ms": round(time_first_request(vp_client, url) * 1000, 1)
            for name, url in FIRST_AFTER_RUN
        }
        portfolio_s, portfolio_q = timed(vp_client, "/portfolio/", runs)
        api_health_s, api_health_q = timed(vp_client, "/api/v1/health/", runs)
        work_s, work_q = timed(csm_client, "/my-work/", runs)
        vp_work_s, vp_work_q = timed(vp_client, "/my-work/", runs)
        team_s, team_q = self.team_page(runs)
        roadmap_s, roadmap_q = timed(_roadmap_client(vp), "/roadmap/", runs)
        lenses = self.lenses(vp_client, runs)
        accounts = Account.objects.count()
        csms = Account.objects.values("csm").distinct().count()
        self.stdout.write(
            f"accounts: {accounts} in {csms} books; measured {csm.username}'s book ({size} "
            "active accounts)"
        )
        self.stdout.write(
            f"book median {book_s * 1000:.0f} ms ({book_q} queries); sorted page 2 {page2_s * 1000:.0f} ms"
        )
        self.stdout.write(
            f"portfolio median {portfolio_s * 1000:.0f} ms ({portfolio_q} queries); first request "
            f"after a scoring run {first_after_run_s * 1000:.0f} ms"
        )
        self.stdout.write(
            f"API current health, a VP's first page: {api_health_s * 1000:.0f} ms ({api_health_q} queries)"
        )
        self.stdout.write(
            f"my work, the CSM's {work_s * 1000:.0f} ms ({work_q} queries); everyone's, the VP's "
            f"{vp_work_s * 1000:.0f} ms ({vp_work_q} queries)"
        )
        if team_s is not None:
            self.stdout.write(f"team page, a lead's: {team_s * 1000:.0f} ms ({team_q} queries)")
        for name, value in firsts.items():
            self.stdout.write(f"{name.replace('_', ' ')}: {value:.0f} ms")
        self.stdout.write(f"roadmap median {roadmap_s * 1000:.0f} ms ({roadmap_q} queries)")
        summary = {
            "accounts": accounts, "book_accounts": size, "book_ms": round(book_s * 1000, 1),
            "book_queries": book_q, "book_sorted_page2_ms": round(page2_s * 1000, 1),
            "portfolio_ms": round(portfolio_s * 1000, 1), "portfolio_queries": portfolio_q,
            "portfolio_first_after_run_ms": round(first_after_run_s * 1000, 1),
            "history_days": history_days,
            "api_health_ms": round(api_health_s * 1000, 1), "api_health_queries": api_health_q,
            "my_work_ms": round(work_s * 1000, 1), "my_work_queries": work_q,
            "vp_my_work_ms": round(vp_work_s * 1000, 1), "vp_my_work_queries": vp_work_q,
            "team_ms": None if team_s is None else round(team_s * 1000, 1), "team_queries": team_q,
            "roadmap_ms": round(roadmap_s * 1000, 1), "roadmap_queries": roadmap_q,
            "runs": runs, "database": connection.vendor, "book_csm": csm.username, "csms": csms,
            **lenses, **firsts,
        }  # fmt: skip
        self.stdout.write(json.dumps(summary))

    def team_page(self, runs):
        """The team page as the first team's lead sees it: (median seconds, queries), or
        (None, None) when there is no team."""
        team = Team.objects.select_related("lead").order_by("pk").first()
        if team is None:
            return None, None
        client = Client()
        client.force_login(team.lead)
        return timed(client, "/team/", runs)

    def lenses(self, client, runs) -> dict:
        """The Sales and Finance lenses with the first page of their drill-downs, and the
        playbooks, as a VP opens them (every deal, every account)."""
        figures = {}
        for name, url in LENS_PAGES:
            seconds, queries = timed(client, url, runs)
            self.stdout.write(f"{url} median {seconds * 1000:.0f} ms ({queries} queries)")
            figures |= {f"{name}_ms": round(seconds * 1000, 1), f"{name}_queries": queries}
        return figures

    def _after_scoring_run(self, history_days, vp_client):
        """Steady state, the VP's pages opened once (a server that has served them before, as
        in production: the first request after the run is timed, not the process's first),
        then one scoring run of the portfolio: returns how to time the first request after it."""
        as_of = timezone.now().date()
        steady_state_ensure(self.stdout, history_days, as_of)
        for url in ("/portfolio/", *(url for _, url in FIRST_AFTER_RUN)):
            vp_client.get(url)
        scored, elapsed = timed_call(score_accounts, as_of=as_of)
        self.stdout.write(f"Scored {scored} accounts in {elapsed:.1f}s before the pages")

        def first_request(client, url="/portfolio/"):
            started = time.perf_counter()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return time.perf_counter() - started

        return first_request
