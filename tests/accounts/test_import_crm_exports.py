"""CRM exports as they come: HubSpot and Salesforce headers, their dates and their owners."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.imports import ACCOUNTS, STAKEHOLDERS, ImportRefused, column_mapping
from accounts.models import Account, Stakeholder
from accounts.services import csv_rows_import
from tests.factories import make_account

pytestmark = pytest.mark.django_db

# A HubSpot companies export (Record ID first, its default properties, one custom "Renewal
# Date"), as HubSpot writes it: every cell quoted, dates with a time, owners by full name.
HUBSPOT_COMPANIES = (
    '"Record ID","Company name","Company Domain Name","Company owner","Create Date",'
    '"Lifecycle Stage","Annual Revenue","Number of Employees","Industry","Country/Region",'
    '"Renewal Date"\n'
    '"18230456712","Harbor Foods","harborfoods.com","Alice Example","2025-03-14 09:22",'
    '"Customer","120000","250","FOOD_PRODUCTION","United States","2026-03-14"\n'
    '"18230456713","Cedar Labs","cedarlabs.io","alice@example.com","2025-06-01 16:05",'
    '"Customer","48000.50","40","COMPUTER_SOFTWARE","Germany","2026-06-01"\n'
)

# A HubSpot contacts export with its associated company ids.
HUBSPOT_CONTACTS = (
    '"Record ID","First Name","Last Name","Email","Job Title","Contact owner",'
    '"Lifecycle Stage","Last Activity Date","Associated Company IDs"\n'
    '"5101","Ines","Okafor","ines@harborfoods.com","VP Finance","Alice Example","Customer",'
    '"2026-11-02 14:31","18230456712"\n'
    '"5102","Omar","Haddad","omar@harborfoods.com","Ops lead","Alice Example","Customer",'
    '"","18230456712;18230456713"\n'
)

# A Salesforce accounts report exported as CSV: US dates, owner by full name.
SALESFORCE_ACCOUNTS = (
    '"Account ID","Account Name","Account Owner","Type","Industry","Annual Revenue",'
    '"Billing Country","Created Date","Contract End Date"\n'
    '"0015g00000AbCdEAAV","Harbor Foods","Alice Example","Customer - Direct","Food",'
    '"$120,000.00","United States","3/14/2025","3/13/2026"\n'
    '"0015g00000AbCdFAAV","Cedar Labs","Alice Example","Customer - Channel","Software",'
    '"48,000.00","Germany","6/1/2025","5/31/2026"\n'
)

SALESFORCE_CONTACTS = (
    '"Contact ID","Account ID","Account Name","First Name","Last Name","Title","Department",'
    '"Email","Contact Owner","Last Activity","Created Date"\n'
    '"0035g00000XyZaAAA","0015g00000AbCdEAAV","Harbor Foods","Ines","Okafor","VP Finance",'
    '"Finance","ines@harborfoods.com","Alice Example","11/2/2026","3/20/2025"\n'
)


@pytest.fixture
def alice_named(alice):
    alice.first_name, alice.last_name, alice.email = "Alice", "Example", "Alice@Example.com"
    alice.save()
    return alice


def test_a_hubspot_companies_export_imports_as_it_comes(alice_named):
    assert csv_rows_import(kind="accounts", content=HUBSPOT_COMPANIES)["created"] == 2
    harbor = Account.objects.get(external_id="18230456712")
    assert (harbor.name, harbor.arr, harbor.csm) == ("Harbor Foods", Decimal("120000"), alice_named)
    assert (harbor.contract_start, harbor.renewal_date) == (date(2025, 3, 14), date(2026, 3, 14))
    assert harbor.lifecycle_stage == "onboarding"  # HubSpot's "Customer" is its funnel, not ours
    assert Account.objects.get(external_id="18230456713").csm == alice_named


def test_hubspot_company_headers_map_to_candor_fields():
    headers = HUBSPOT_COMPANIES.splitlines()[0].replace('"', "").split(",")
    mapping = column_mapping(ACCOUNTS, headers)
    assert {h: f for h, f in mapping.items() if f} == {
        "Record ID": "external_id", "Company name": "name", "Company owner": "csm",
        "Create Date": "contract_start", "Annual Revenue": "arr", "Renewal Date": "renewal_date",
    }  # fmt: skip


def test_a_hubspot_contacts_export_joins_first_and_last_names_onto_the_first_company(
    alice_named,
):
    csv_rows_import(kind="accounts", content=HUBSPOT_COMPANIES)
    assert csv_rows_import(kind="stakeholders", content=HUBSPOT_CONTACTS)["created"] == 2
    ines = Stakeholder.objects.get(external_id="5101")
    assert (ines.name, ines.email, ines.function) == (
        "Ines Okafor",
        "ines@harborfoods.com",
        "VP Finance",
    )
    assert (ines.last_engaged_on, ines.role) == (date(2026, 11, 2), "other")
    assert Stakeholder.objects.get(external_id="5102").account.external_id == "18230456712"


def test_a_salesforce_accounts_report_imports_with_us_dates_and_currency(alice_named):
    assert csv_rows_import(kind="accounts", content=SALESFORCE_ACCOUNTS)["created"] == 2
    cedar = Account.objects.get(external_id="0015g00000AbCdFAAV")
    assert (cedar.name, cedar.arr, cedar.csm) == ("Cedar Labs", Decimal("48000.00"), alice_named)
    assert (cedar.contract_start, cedar.renewal_date) == (date(2025, 6, 1), date(2026, 5, 31))


def test_a_salesforce_contacts_report_lands_on_its_account(alice_named):
    csv_rows_import(kind="accounts", content=SALESFORCE_ACCOUNTS)
    csv_rows_import(kind="stakeholders", content=SALESFORCE_CONTACTS)
    ines = Stakeholder.objects.get(external_id="0035g00000XyZaAAA")
    assert ines.account.name == "Harbor Foods"
    assert (ines.name, ines.function, ines.last_engaged_on) == (
        "Ines Okafor", "Finance", date(2026, 11, 2),
    )  # fmt: skip


def test_salesforce_data_loader_api_names_map_too():
    mapping = column_mapping(STAKEHOLDERS, ["Id", "AccountId", "FirstName", "LastName", "Email"])
    assert mapping == {"Id": "external_id", "AccountId": "account_external_id",
                       "FirstName": "first_name", "LastName": "last_name", "Email": "email"}  # fmt: skip


def test_of_two_headers_for_one_field_the_better_name_wins():
    mapping = column_mapping(ACCOUNTS, ["Annual Revenue", "ARR", "Create Date", "Customer Since"])
    assert mapping == {"Annual Revenue": None, "ARR": "arr", "Create Date": None,
                       "Customer Since": "contract_start"}  # fmt: skip


DATES = "external_id,name,arr,csm,contract_start,renewal_date\n"


def imported_start(alice, written: str, **options) -> date:
    content = DATES + f'crm-1,Harbor,1000,alice,"{written}",2030-01-01\n'
    csv_rows_import(kind="accounts", content=content, **options)
    return Account.objects.get(external_id="crm-1").contract_start


@pytest.mark.parametrize(
    "written, read",
    [
        ("2026-01-05", date(2026, 1, 5)),
        ("2026-01-05 10:00", date(2026, 1, 5)),
        ("2026-01-05T10:00:00.000Z", date(2026, 1, 5)),
        ("2026/01/05", date(2026, 1, 5)),
        ("1/5/2026", date(2026, 1, 5)),  # US: month first
        ("01/05/2026 10:00 AM", date(2026, 1, 5)),
        ("1/5/26", date(2026, 1, 5)),
        ("31/01/2026", date(2026, 1, 31)),  # day first: a day over 12 says so
        ("31.01.2026", date(2026, 1, 31)),
        ("5 Jan 2026", date(2026, 1, 5)),
        ("05-Jan-2026", date(2026, 1, 5)),
        ("Jan 5, 2026", date(2026, 1, 5)),
        ("January 5, 2026", date(2026, 1, 5)),
        ("46027", date(2026, 1, 5)),  # Excel's day number
    ],
)
def test_dates_in_the_common_crm_forms_are_read(alice, written, read):
    assert imported_start(alice, written) == read


def test_a_file_whose_days_go_over_12_reads_all_its_slashed_dates_day_first(alice):
    content = (
        DATES
        + "crm-1,Harbor,1000,alice,03/04/2026,2030-01-01\ncrm-2,Cedar,1000,alice,25/04/2026,2030-01-01\n"
    )
    csv_rows_import(kind="accounts", content=content)
    assert Account.objects.get(external_id="crm-1").contract_start == date(2026, 4, 3)


def test_a_chosen_day_first_order_reads_an_ambiguous_date_so(alice):
    assert imported_start(alice, "03/04/2026", date_order="dmy") == date(2026, 4, 3)


def test_a_file_mixing_month_first_and_day_first_dates_names_the_ones_it_cannot_read(alice):
    content = (
        DATES
        + "crm-1,Harbor,1000,alice,13/01/2026,2030-01-01\ncrm-2,Cedar,1000,alice,01/13/2026,2030-01-01\n"
    )
    with pytest.raises(ImportRefused) as refused:
        csv_rows_import(kind="accounts", content=content)
    assert [(e["row"], e["column"]) for e in refused.value.errors] == [(2, "contract_start")]
    assert "read month first" in refused.value.errors[0]["message"]


@pytest.mark.parametrize("written", ["yesterday", "2026-02-30", "13/13/2026", "5 Jan"])
def test_what_is_not_a_date_is_refused(alice, written):
    with pytest.raises(ImportRefused) as refused:
        imported_start(alice, written)
    assert refused.value.errors[0]["column"] == "contract_start"


def test_an_owner_is_found_by_email_whatever_its_case(alice_named):
    content = (
        DATES.replace("csm", "Owner Email")
        + "crm-1,Harbor,1000,ALICE@example.com,2026-01-01,2027-01-01\n"
    )
    csv_rows_import(kind="accounts", content=content)
    assert Account.objects.get().csm == alice_named


def test_an_update_can_move_an_account_to_an_owner_named_by_email(alice, bob):
    bob.email = "bob@example.com"
    bob.save()
    make_account(csm=alice, external_id="crm-1")
    csv_rows_import(kind="accounts", content="external_id,csm\ncrm-1,bob@example.com\n")
    assert Account.objects.get().csm == bob


def test_an_owner_name_two_users_share_is_refused_with_what_to_give_instead(alice_named, bob):
    bob.first_name, bob.last_name = "Alice", "Example"
    bob.save()
    content = DATES + "crm-1,Harbor,1000,Alice Example,2026-01-01,2027-01-01\n"
    with pytest.raises(ImportRefused) as refused:
        csv_rows_import(kind="accounts", content=content)
    assert "names more than one user" in refused.value.errors[0]["message"]
    assert not Account.objects.exists()
