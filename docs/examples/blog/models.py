from django.db import models


class Timestamped(models.Model):
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    def __str__(self):
        return self.name


class Post(Timestamped):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, blank=True)
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(max_length=20, default="draft")
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")

    def __str__(self):
        return self.title
