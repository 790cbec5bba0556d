from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Maillage — administration"
admin.site.site_title = "Maillage"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("maillage.api.urls")),
    path("", include("maillage.web.urls")),
]
