"""An app wired the way real apps wire receivers, all with lazy ``"app_label.Model"``
senders: at import time of its models module, from ``class_prepared`` (as
django-simple-history does, for the model being prepared) and from ``AppConfig.ready()``;
each for a concrete model, a proxy and an abstract model with ``subclasses=True``."""
