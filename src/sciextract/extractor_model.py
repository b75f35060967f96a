"""The file MLflow runs to load a logged sciextract extractor: the model is logged from code
(`train.common.log_extractor_model`), with this package as its code, so loading it unpickles nothing."""

import mlflow

from sciextract.extractor import ExtractorModel

mlflow.models.set_model(ExtractorModel())
