from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = "Roadmap (the Product lens)"

    def ready(self):
        from actions.timeline import timeline_reader_register
        from roadmap.timeline import roadmap_events

        timeline_reader_register("roadmap", roadmap_events)
