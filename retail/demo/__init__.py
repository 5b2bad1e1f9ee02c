"""The demo shop (``manage.py load_demo``): a believable shop built by driving the real services
through time, from a seed. ``runner.demo_load`` is the entry point; ``data`` holds the fixed
catalogue, people and places; the other modules plan and run one topic each (catalog, customers,
orders, fulfilment, care, aftersales) through the domain's services and selectors."""
