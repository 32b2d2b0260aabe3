from tests.api.conftest import RESOURCES, client_for


def test_smoke(world, analyst, partner):
    for user in (analyst, partner):
        client = client_for(user)
        for name in RESOURCES:
            response = client.get(f"/api/v1/{name}/")
            assert response.status_code == 200, (name, response.content[:500])
            for row in response.json()["results"]:
                detail = client.get(f"/api/v1/{name}/{row['id']}/")
                assert detail.status_code == 200, (name, detail.content[:500])
            export = client.get(f"/api/v1/{name}/export/")
            assert export.status_code == 200
            b"".join(export.streaming_content)
