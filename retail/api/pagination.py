from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination as _Base


class PageNumberPagination(_Base):
    """``?page=`` and ``?page_size=`` (at most 100). A page that is no positive number is a malformed
    parameter (400 naming ``page``); a page past the last one is 404."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw not in self.last_page_strings and (not raw.isascii() or not raw.isdigit() or int(raw) < 1):
            raise ValidationError({self.page_query_param: ["A positive integer or 'last'."]})
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        number = paginator.num_pages if raw in self.last_page_strings else int(raw)
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise NotFound(f"Page {number} does not exist.")
        return list(self.page)
