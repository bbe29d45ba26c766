"""Large imports are written with COPY inside the request's savepoint: a dry run still writes nothing."""

import httpx

from tests.api.conftest import Actor

MONTHS = "Enero\tFebrero\tMarzo\tAbril\tMayo\tJunio\tJulio\tAgosto\tSeptiembre\tOctubre\tNoviembre\tDiciembre"


def large_plan(goals: int, activities_per_goal: int) -> bytes:
    lines = [
        "PLAN DE ACCIÓN 2026 ASOCIACIÓN DE USUARIOS DE PRUEBA",
        "Eje Estratégico No 2. Empoderamiento de la ciudadanía y las organizaciones sociales en salud.",
        "Meta\tActividades\tIndicador\tCronograma" + "\t" * 11 + "\tResponsable",
        "\t\t\t" + MONTHS,
    ]
    for goal in range(1, goals + 1):
        for activity in range(1, activities_per_goal + 1):
            meta = f"{goal}. Meta número {goal} de la asociación" if activity == 1 else ""
            marks = ["X" if (month + activity) % 4 == 0 else "" for month in range(12)]
            lines.append(
                f"{meta}\tActividad {goal}.{activity} con los usuarios\tNúmero de reuniones realizadas\t"
                + "\t".join(marks)
                + "\tJunta directiva"
            )
    return "\n".join(lines).encode()


async def activity_count(client: httpx.AsyncClient, actor: Actor, plan_id: str) -> int:
    total, cursor = 0, None
    while True:
        params = {"plan_id": plan_id, "limit": "500", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/activities", params=params, headers=actor.headers)).json()
        total += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return total


async def test_a_large_file_is_copied_in_and_a_dry_run_leaves_nothing(client: httpx.AsyncClient, eps: Actor) -> None:
    content = large_plan(goals=60, activities_per_goal=5)
    files = {"file": ("grande.tsv", content)}
    dry = await client.post("/v1/plans:import", files=files, data={"accept_warnings": "true"}, headers=eps.headers)
    assert dry.status_code == 200, dry.text
    assert dry.json()["counts"]["activities"] == 300
    assert (await client.get("/v1/plans", headers=eps.headers)).json()["items"] == []

    committed = await client.post(
        "/v1/plans:import", files=files, data={"accept_warnings": "true", "dry_run": "false"}, headers=eps.headers
    )
    assert committed.status_code == 200, committed.text
    plan_id = committed.json()["plan_id"]
    assert await activity_count(client, eps, plan_id) == 300
    indicators = (
        await client.get("/v1/indicators", params={"plan_id": plan_id, "limit": "500"}, headers=eps.headers)
    ).json()["items"]
    assert len(indicators) == 300
    assert {indicator["kind"] for indicator in indicators} == {"conteo"}
