"""Mirror the role matrix (propsvc.roles) into auth Groups, one per role.

The matrix in code is what the auth backend reads; the groups let the admin and
reports show it. Run by the data migration 0002_roles and after every migrate.
"""

from propsvc.roles import PERMISSIONS, Role


def sync_role_groups(sender=None, apps=None, using="default", **kwargs):
    from django.apps import apps as global_apps

    if sender is not None and sender is not list(global_apps.get_app_configs())[-1]:
        return  # run once, after every app's permissions exist
    if apps is None:
        apps = global_apps
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    wanted: dict[str, set[tuple[str, str]]] = {role.value: set() for role in Role}
    for perm, roles in PERMISSIONS.items():
        app_label, codename = perm.split(".", 1)
        for role in roles:
            wanted[role].add((app_label, codename))
    known = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.using(using).select_related("content_type")
    }
    for role, perms in wanted.items():
        group, _ = Group.objects.using(using).get_or_create(name=f"role:{role}")
        group.permissions.set([known[key] for key in perms if key in known])
