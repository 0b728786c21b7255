"""REST endpoints for datasets and AI queries."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import AccountAPIView
from aiprovider.errors import InvalidInput
from analytics.models import Dataset
from analytics.serializers import (
    DatasetDetailSerializer,
    DatasetSerializer,
    DatasetUploadSerializer,
    QueryAnswerSerializer,
    QuestionSerializer,
)
from analytics.services import dataset_create, question_ask


class DatasetListView(AccountAPIView, ListAPIView):
    serializer_class = DatasetSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Dataset.objects.filter(account=self.account).defer("content")

    @extend_schema(
        request={"multipart/form-data": DatasetUploadSerializer},
        responses={201: DatasetDetailSerializer},
        summary="Upload a CSV dataset",
    )
    def post(self, request: Request, account_id: int) -> Response:
        upload = DatasetUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        dataset = dataset_create(
            account=self.account,
            user=request.user,
            name=upload.validated_data["name"],
            raw=upload.validated_data["file"].read(),
        )
        return Response(
            DatasetDetailSerializer(dataset).data, status=status.HTTP_201_CREATED
        )


class DatasetDetailView(AccountAPIView):
    @extend_schema(responses=DatasetDetailSerializer, summary="Read a dataset")
    def get(self, request: Request, account_id: int, dataset_id: int) -> Response:
        dataset = get_object_or_404(Dataset, pk=dataset_id, account=self.account)
        return Response(DatasetDetailSerializer(dataset).data)


class QueryView(AccountAPIView):
    @extend_schema(
        request=QuestionSerializer,
        responses={200: QueryAnswerSerializer},
        summary="Ask the account's AI a question",
    )
    def post(self, request: Request, account_id: int) -> Response:
        query = QuestionSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        dataset = None
        if data.get("dataset") is not None:
            dataset = Dataset.objects.filter(
                pk=data["dataset"], account=self.account
            ).first()
            if dataset is None:
                raise InvalidInput(
                    "No dataset with that id in this account.",
                    code="does_not_exist",
                    field="dataset",
                )
        record, answer = question_ask(
            account=self.account,
            user=request.user,
            question=data["question"],
            task=data["task"],
            dataset=dataset,
        )
        body = {
            "id": record.pk,
            "answer": answer.text,
            "provider": answer.provider,
            "model": answer.model,
            "billing": answer.billing,
            "usage": {
                "input_tokens": answer.input_tokens,
                "output_tokens": answer.output_tokens,
            },
            "credits_charged": answer.credits_charged,
            "fell_back": answer.fell_back,
        }
        return Response(QueryAnswerSerializer(body).data)
