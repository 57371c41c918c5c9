from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self):
        return self.name


class Pseudonym(Author):
    """The same rows as Author, under another class: a proxy."""

    class Meta:
        proxy = True


class Novelist(Author):
    """An Author with a table of its own for what it adds: a multi-table child."""

    genre = models.CharField(max_length=50, blank=True)
