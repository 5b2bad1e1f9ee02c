"""The periodic reports (docs/kpis.md "Periodic reports"): ``figures`` gathers what a report says,
``chart`` draws it as a PNG, ``workbook`` lays it out as an .xlsx, ``email`` queues it to the
``manager`` group through the notification outbox, ``tasks`` runs it on the beat schedule."""
