"""Staff pages (roof): one work-queue page per role, the scan-to-pick screen and the order hub.

They read the domain through its selectors and act only through its services; no view writes a
model. See docs/architecture.md (the three floors of ``retail/``)."""
