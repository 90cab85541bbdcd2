from django.urls import path

from lenses import views

urlpatterns = [
    path("sales/", views.sales, name="sales"),
    path("sales/deals/", views.sales_deals, name="sales_deals"),
    path("terms/", views.terms, name="terms"),
    path("terms/accounts/", views.terms_accounts, name="terms_accounts"),
]
