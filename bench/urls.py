from django.urls import path

from bench.bare import bare_insert
from config.urls import urlpatterns as product_urls

urlpatterns = [path("bench/bare/", bare_insert), *product_urls]
