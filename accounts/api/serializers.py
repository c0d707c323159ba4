from rest_framework import serializers

from accounts.models import User
from core.api.serializers import InputSerializer


class TokenCreateInput(InputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenCreateOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField()


class UserOutput(serializers.ModelSerializer):
    is_researcher = serializers.BooleanField(read_only=True)
    is_team_member = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "role",
            "is_staff",
            "is_researcher",
            "is_team_member",
            "date_joined",
        ]
        read_only_fields = fields
