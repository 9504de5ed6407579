"""The module list's JSON built from rows is the JSON ModuleSchema makes of the ORM objects."""

from __future__ import annotations

from sqlalchemy import select

from curriculum.inventory.documents import module_documents
from curriculum.inventory.models import Module
from curriculum.inventory.schemas import ModuleSchema
from curriculum.inventory.services import create_module, get_module, retire_module
from tests.helpers import QueryCounter, module_data


def test_documents_are_what_the_module_schema_dumps(session, agencies):
    create_module(session, module_data(
        "Hosted course", partner_agencies=["ILO", "UNHCR"], themes=["protection", "law"],
        languages=["fr", "en", "ar"], audience=["Judges", "Government officials"],
        kind="course", level="advanced", duration_minutes=90, year_first_offered=2015,
        delivery_mode="blended", content_html="<p>Here</p>", licence="CC BY 4.0",
        sources=["https://example.org/a"], source_confidence="high",
        learning_objectives=["Explain", "Apply"], summary="دورة 移民 🧒"))
    create_module(session, {"title": "Bare module", "owner_agency": "IOM"})
    retire_module(session, create_module(session, module_data("Retired one")))
    session.commit()
    session.expire_all()
    modules = list(session.scalars(select(Module).order_by(Module.title)))

    documents = module_documents(session, [module.id for module in modules])

    assert documents == ModuleSchema(many=True).dump(modules)
    assert [d["title"] for d in documents] == ["Bare module", "Hosted course", "Retired one"]
    assert get_module(session, "hosted-course").is_hosted is documents[1]["is_hosted"] is True


def test_documents_keep_the_order_of_the_ids_asked_for(session, agencies):
    ids = [create_module(session, module_data(f"Module {n}")).id for n in range(3)]

    documents = module_documents(session, ids[::-1])

    assert [d["title"] for d in documents] == ["Module 2", "Module 1", "Module 0"]


def test_no_ids_cost_no_query(session, connection):
    with QueryCounter(connection) as counter:
        assert module_documents(session, []) == []

    assert counter.count == 0
