"""Staff pages: role pages (``pages``), in-place actions (``actions``), the scan-to-pick screen
(``scan``) and the order hub (``hub``)."""
