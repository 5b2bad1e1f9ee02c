"""Public order tracking (docs/api.md "Public"): an order's status and timeline for a customer who gives
its number and the phone or email on it, with no login and no personal data.

``views`` is the mobile page (/track/), ``api`` the JSON endpoint (/api/track/); the page looks the
order up through ``orders.forms.OrderLookupForm``, the endpoint through the selector beneath it
(``orders.selectors.order_for_tracking``), and both count against one throttle per client
(``retail.api.throttling.TrackingThrottle``). An unknown number and a wrong contact give the same
answer, byte for byte. ``payload`` builds the answer, ``cache`` keeps it per version of the order."""
