import { Module } from '@nestjs/common';
import { IMAGE_ACCESS } from '../access/image-access';
import { HashJobRunner } from './hash-job-runner';
import { ImageAuthorizer } from './image-authorizer';
import { ImageDataController } from './image-data.controller';
import { ImageDataService } from './image-data.service';
import { ImageLocationsController } from './image-locations.controller';
import { ImageLocationsService } from './image-locations.service';
import { ImagesController } from './images.controller';
import { ImagesService } from './images.service';
import { LocationAdmission } from './location-admission';
import { UploadRecovery } from './upload-recovery';

/** Images: metadata, data, locations, background hashing and recovery of abandoned uploads. */
@Module({
  controllers: [ImagesController, ImageDataController, ImageLocationsController],
  providers: [
    ImageAuthorizer,
    { provide: IMAGE_ACCESS, useExisting: ImageAuthorizer },
    ImagesService,
    ImageDataService,
    ImageLocationsService,
    LocationAdmission,
    HashJobRunner,
    UploadRecovery,
  ],
  exports: [IMAGE_ACCESS],
})
export class ImagesModule {}
