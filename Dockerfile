FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY . .
RUN pip install --no-cache-dir -c constraints.txt -e ".[dev]" && DEBUG=true python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "retail.wsgi"]
