"""Create one auth Group per staff role (propsvc.roles). Permissions that exist
already are attached now; permissions of later apps are attached by the
post_migrate hook (propsvc.apps) once they exist."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from propsvc.rolesync import sync_role_groups

    sync_role_groups(apps=apps, using=schema_editor.connection.alias)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__startswith="role:").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("propsvc", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
